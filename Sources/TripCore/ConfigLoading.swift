import Foundation

/// A configuration problem, naming the offending key (e.g. `queries.hotspot_window.slide`).
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let key: String
    public let message: String
    public init(key: String, _ message: String) {
        self.key = key
        self.message = message
    }
    public var description: String { "invalid configuration: \(key): \(message)" }
}

extension TripstreamConfig {
    /// Reads a JSON configuration file: an optional `profile` to start from, then overrides.
    ///
    ///     {"profile": "seed", "tenant": "acme", "time_column": "trip_end", "time_zone": "America/Chicago",
    ///      "epoch_rows": 5000,
    ///      "queries": {"sum_fare_window": {"window": "10s", "watermark": "10s", "mode": "update"},
    ///                  "hotspot_window": {"window": "1m", "slide": "30s"}}}
    public static func load(jsonFile path: String) throws -> TripstreamConfig {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfigError(key: "(file)", "cannot read configuration file \(path)")
        }
        return try load(json: data)
    }

    public static func load(json data: Data) throws -> TripstreamConfig {
        try apply(try jsonObject(data, key: "(file)"), to: nil)
    }

    /// The JSON object of a configuration file: strict JSON (a syntax error names its line and column), an
    /// object at the top.
    public static func jsonObject(_ data: Data, key: String, source: String? = nil) throws -> [String: Any] {
        let what = source.map { "\(quoted($0)) is not" } ?? "not"
        do { try JSONSyntax.check(data) } catch let error as JSONSyntax.Error {
            throw ConfigError(key: key, "\(what) valid JSON: \(error)")
        }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw ConfigError(key: key, "\(what) valid JSON (\(error.localizedDescription))")  // e.g. not UTF-8
        }
        guard let root = object as? [String: Any] else {
            throw ConfigError(key: source == nil ? "(root)" : key, "expected a JSON object at the top of \(source.map(quoted) ?? "the file")")
        }
        return root
    }

    /// The allowed `epoch_rows` (also `--epoch-rows`).
    public static let epochRowsRange = 1...10_000_000

    /// Applies a decoded JSON object on top of `base` (or of its `profile` key, default `chicago`).
    public static func apply(_ root: [String: Any], to base: TripstreamConfig?) throws -> TripstreamConfig {
        try checkKeys(root, allowed: ["profile", "tenant", "time_column", "time_zone", "epoch_rows", "queries"],
                      at: "")
        var config = base ?? .chicago
        if let name = root["profile"] {
            guard let name = name as? String, let profile = TripstreamConfig.profile(name) else {
                throw ConfigError(key: "profile",
                                  "unknown profile \(describe(name)); expected one of \(profileNames.joined(separator: ", "))")
            }
            config = profile
        }
        // The profile's, before any override: a new query's watermark should not follow a built-in's.
        let profileWatermark = config.sumFareWindow.watermarkDelay
        if let v = root["tenant"] { config.tenant = try validTenant(try string(v, "tenant"), key: "tenant") }
        if let v = root["time_column"] {
            let s = try string(v, "time_column")
            guard let c = TimeColumn(rawValue: s) else {
                throw ConfigError(key: "time_column", "unknown time column \(quoted(s)); expected one of "
                                  + TimeColumn.allCases.map(\.rawValue).joined(separator: ", "))
            }
            config.timeColumn = c
        }
        if let v = root["time_zone"] {
            let s = try string(v, "time_zone")
            // IANA names are short; a long string is no name (and not worth a lookup).
            guard s.utf8.count <= 100, let zone = ZoneRules(identifier: s) else {
                throw ConfigError(key: "time_zone", "unknown time zone \(quoted(s)) (expected an IANA name such as America/Chicago)")
            }
            config.timeZone = zone
        }
        if let v = root["epoch_rows"] {
            guard let n = v as? Int, !isJSONBool(v), epochRowsRange.contains(n) else {
                throw ConfigError(key: "epoch_rows", "expected a whole number from 1 to 10000000, got \(describe(v))")
            }
            config.epochRows = n
        }
        if let v = root["queries"] {
            guard let queries = v as? [String: Any] else {
                throw ConfigError(key: "queries", "expected an object keyed by query name")
            }
            try applyQueries(queries, to: &config, defaultWatermark: profileWatermark)
        }
        return config
    }

    public static func validTenant(_ s: String, key: String) throws -> String {
        let ok = !s.isEmpty && s.utf8.count <= 100 && s.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A)
                || $0 == 0x5F || $0 == 0x2D || $0 == 0x2E
        }
        guard ok else {
            throw ConfigError(key: key, "\(quoted(s)) is not a valid tenant: use 1-100 letters, digits, '_', '-' or '.' (it names topics)")
        }
        return s
    }

    static func checkKeys(_ object: [String: Any], allowed: Set<String>, at prefix: String) throws {
        for key in object.keys.sorted() where !allowed.contains(key) {
            let full = prefix.isEmpty ? shortened(key) : "\(prefix).\(shortened(key))"
            throw ConfigError(key: full, "unknown key; allowed here: \(allowed.sorted().joined(separator: ", "))")
        }
    }

    static func string(_ v: Any, _ key: String) throws -> String {
        guard let s = v as? String else { throw ConfigError(key: key, "expected a string, got \(describe(v))") }
        return s
    }

    /// Whether a decoded JSON value is true or false. JSONSerialization gives an NSNumber for 1 and for true,
    /// and on Linux `1 is Bool` holds too: the number's type code tells them apart.
    static func isJSONBool(_ v: Any) -> Bool {
        guard let n = v as? NSNumber else { return false }
        return String(cString: n.objCType) == "c"
    }

    static func describe(_ v: Any) -> String {
        if let s = v as? String { return quoted(s) }
        if isJSONBool(v), let b = v as? Bool { return String(b) }
        return shortened("\(v)")
    }

    /// At most this many characters of a value are quoted in a message: a value of megabytes made a message as
    /// long, slow to build and useless to read.
    static let quotedLength = 80

    /// `s` in double quotes, cut to `quotedLength` characters with a note of its full length.
    static func quoted(_ s: String) -> String { "\"" + shortened(s) + "\"" }

    static func shortened(_ s: String) -> String {
        let head = s.prefix(quotedLength)
        return head.endIndex == s.endIndex ? s : "\(head)… (\(s.utf8.count) bytes)"
    }

    /// A duration in milliseconds: a number of seconds, or a string such as `500ms`, `10s`, `10 seconds`,
    /// `1m`, `1 minute`, `15min`, `1h`, `2 hours`, `1d`.
    public static func duration(_ v: Any, key: String) throws -> EventTime {
        if let n = v as? Double, !isJSONBool(v) {
            guard n >= 0, n <= 365 * 86_400 * 100 else { throw ConfigError(key: key, "duration out of range: \(n)") }
            return EventTime((n * 1000).rounded())
        }
        guard let s = v as? String, let ms = parseDuration(s) else {
            throw ConfigError(key: key, "expected a duration such as \"10s\", \"1m\", \"15min\", \"1h\" or a number of seconds, got \(describe(v))")
        }
        return ms
    }

    public static func parseDuration(_ text: String) -> EventTime? {
        let s = text.trimmingCharacters(in: .whitespaces).lowercased()
        let digits = s.prefix { $0.isNumber || $0 == "." }
        guard !digits.isEmpty, let value = Double(digits), value >= 0 else { return nil }
        let unit = s.dropFirst(digits.count).trimmingCharacters(in: .whitespaces)
        let scale: Double
        switch unit {
        case "ms", "millisecond", "milliseconds": scale = 1
        case "", "s", "sec", "secs", "second", "seconds": scale = 1000
        case "m", "min", "mins", "minute", "minutes": scale = 60_000
        case "h", "hr", "hour", "hours": scale = 3_600_000
        case "d", "day", "days": scale = 86_400_000
        default: return nil
        }
        let ms = value * scale
        guard ms <= 100 * 365 * 86_400_000 else { return nil }
        return EventTime(ms.rounded())
    }
}
