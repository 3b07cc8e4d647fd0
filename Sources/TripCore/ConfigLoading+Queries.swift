import Foundation

extension TripstreamConfig {
    /// Applies `queries`: a built-in's settings (and its SQL as stated, for TripSQL to check), or a new query.
    static func applyQueries(_ queries: [String: Any], to config: inout TripstreamConfig,
                             defaultWatermark: EventTime) throws {
        for (name, body) in queries.sorted(by: { $0.key < $1.key }) {
            let prefix = "queries.\(shortened(name))"
            guard let fields = body as? [String: Any] else { throw ConfigError(key: prefix, "expected an object") }
            if let builtin = QueryName(rawValue: name) {
                config[builtin] = try querySettings(fields, query: builtin, base: config[builtin])
                if let v = fields["sql"] { config.builtinSQL[builtin] = try string(v, "\(prefix).sql") }
                if let v = fields["enabled"] { config[builtin].enabled = try bool(v, "\(prefix).enabled") }
                continue
            }
            if let problem = UserQuery.problem(withName: name) { throw ConfigError(key: prefix, problem) }
            let base = config.userQueries.first { $0.name == name }
            guard fields["sql"] != nil || base != nil else {
                throw ConfigError(key: prefix, "not a built-in query (" + QueryName.allCases.map(\.rawValue).joined(separator: ", ")
                                  + "); a new query needs \"sql\"")
            }
            try checkKeys(fields, allowed: ["sql", "watermark", "mode", "enabled"], at: prefix)
            var query = base ?? UserQuery(name: name, sql: "", watermarkDelay: defaultWatermark, mode: UserQuery.defaultMode)
            if let v = fields["sql"] { query.sql = try string(v, "\(prefix).sql") }
            if let v = fields["watermark"] { query.watermarkDelay = try duration(v, key: "\(prefix).watermark") }
            if let v = fields["mode"] { query.mode = try outputMode(v, key: "\(prefix).mode") }
            if let v = fields["enabled"] { query.enabled = try bool(v, "\(prefix).enabled") }
            config.userQueries.removeAll { $0.name == name }
            config.userQueries.append(query)
        }
        config.userQueries.sort { $0.name < $1.name }
    }

    static func querySettings(_ fields: [String: Any], query: QueryName, base: QuerySettings) throws -> QuerySettings {
        let prefix = "queries.\(query.rawValue)"
        let isDay = query == .tripsTotal
        let settingsKeys: Set<String> = isDay ? ["watermark", "mode"] : ["window", "slide", "watermark", "mode"]
        try checkKeys(fields, allowed: settingsKeys.union(["sql", "enabled"]), at: prefix)
        var settings = base
        if !isDay {
            let length = try fields["window"].map { try duration($0, key: "\(prefix).window") } ?? base.window.length
            let slide: EventTime
            if let v = fields["slide"] {
                slide = try duration(v, key: "\(prefix).slide")
            } else if fields["window"] == nil {
                slide = base.window.slide
            } else if query == .sumFareWindow {
                slide = length  // tumbling unless a slide is given
            } else {
                slide = min(base.window.slide, length)
            }
            guard length >= 1000, length % 1000 == 0 else {
                throw ConfigError(key: "\(prefix).window", "must be a whole number of seconds, at least 1s")
            }
            guard slide >= 1000, slide % 1000 == 0 else {
                throw ConfigError(key: "\(prefix).slide", "must be a whole number of seconds, at least 1s")
            }
            guard slide <= length else {
                throw ConfigError(key: "\(prefix).slide", "must not exceed the window (\(slide / 1000)s > \(length / 1000)s)")
            }
            guard (length + slide - 1) / slide <= 1000 else {
                throw ConfigError(key: "\(prefix).slide", "window/slide puts each row in more than 1000 windows")
            }
            settings.window = WindowSpec(length: length, slide: slide)
        }
        if let v = fields["watermark"] {
            settings.watermarkDelay = try duration(v, key: "\(prefix).watermark")
        }
        if let v = fields["mode"] { settings.mode = try outputMode(v, key: "\(prefix).mode") }
        return settings
    }

    static func outputMode(_ v: Any, key: String) throws -> OutputMode {
        let s = try string(v, key)
        guard let mode = OutputMode(rawValue: s) else {
            throw ConfigError(key: key, "unknown output mode \(quoted(s)); expected append, update or complete")
        }
        return mode
    }

    static func bool(_ v: Any, _ key: String) throws -> Bool {
        guard isJSONBool(v), let n = v as? NSNumber else {
            throw ConfigError(key: key, "expected true or false, got \(describe(v))")
        }
        return n.boolValue
    }
}
