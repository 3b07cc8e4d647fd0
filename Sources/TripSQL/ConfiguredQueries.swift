import TripCore

/// The queries of a configuration checked where SQL compiles (TripCore only keeps the texts): what every
/// command that takes a configuration calls, so each refuses a bad query the same way.
public enum ConfiguredQueries {
    /// `config` with its queries checked, as the jobs take it: a built-in's stated SQL must be the SQL its
    /// settings give, and is then dropped (the settings decide it, and the fingerprint stays as before); a
    /// new query's SQL must compile, and is replaced by its normalized text, so the fingerprint changes with
    /// the query and not with its spelling.
    public static func resolve(_ config: TripstreamConfig) throws(ConfigError) -> TripstreamConfig {
        let enabled = config.userQueries.filter(\.enabled).count
        guard enabled <= maxEnabled else {
            throw ConfigError(key: "queries", "\(enabled) SQL queries are enabled; at most \(maxEnabled) can run in one job "
                              + "(disable some with \"enabled\": false, or split them over tenants)")
        }
        var checked = config
        for query in QueryName.allCases {
            do {
                _ = try BuiltinQueries.query(query, in: config)
            } catch {
                throw ConfigError(key: "queries.\(query.rawValue)", "its window cannot run as SQL: \(error.description)")
            }
        }
        for query in QueryName.allCases {
            guard let stated = config.builtinSQL[query] else { continue }
            let expected = builtinSQL(query, in: config)
            guard normalized(stated) == expected else {
                throw ConfigError(key: "queries.\(query.rawValue).sql",
                                  "not the SQL of this built-in query, which its window, slide and the time_column "
                                  + "decide: expected \(expected) (give a different query a new name)")
            }
            checked.builtinSQL[query] = nil
        }
        for (index, query) in config.userQueries.enumerated() {
            do {
                checked.userQueries[index].sql = try QueryAnalyzer.compile(query.sql, name: query.name).normalizedSQL
            } catch {
                throw ConfigError(key: "queries.\(query.name).sql", error.description)
            }
        }
        return checked
    }

    /// The most SQL queries one job runs beside the four built-ins: the engine marks a row late with a bit per
    /// query in one 64-bit word (`Engine.maxQueries`).
    public static let maxEnabled = 60

    /// The enabled SQL queries of `config` as a job runs them, in the configuration's order (the engine's, the
    /// mirror's and the result topics' order).
    public static func runnable(_ config: TripstreamConfig) throws(ConfigError) -> [RunnableQuery] {
        var out: [RunnableQuery] = []
        for q in config.userQueries where q.enabled {
            do {
                out.append(RunnableQuery(query: try QueryAnalyzer.compile(q.sql, name: q.name),
                                         watermarkDelay: q.watermarkDelay, mode: q.mode))
            } catch {
                throw ConfigError(key: "queries.\(q.name).sql", error.description)
            }
        }
        return out
    }

    /// The enabled built-ins as a job runs them, in `QueryName` order: their SQL under `config`, their watermark
    /// and mode (what the engine runs first).
    public static func builtins(_ config: TripstreamConfig) throws(ConfigError) -> [RunnableQuery] {
        var out: [RunnableQuery] = []
        for query in QueryName.allCases where config[query].enabled {
            do {
                out.append(RunnableQuery(query: try BuiltinQueries.query(query, in: config),
                                         watermarkDelay: config[query].watermarkDelay, mode: config[query].mode))
            } catch {
                throw ConfigError(key: "queries.\(query.rawValue)", error.description)
            }
        }
        return out
    }

    /// Every query `config` runs, as values: the enabled built-ins' (`builtins`), then the enabled SQL queries'
    /// (`runnable`): the engine's order.
    public static func values(_ config: TripstreamConfig) throws(ConfigError) -> [AnalyticQuery] {
        (try builtins(config) + runnable(config)).map(\.query)
    }

    /// A resolved `config` with every built-in's SQL stated, as `tripstream config` prints it: that output
    /// loads back, since a stated built-in SQL is checked, not applied.
    public static func printable(_ config: TripstreamConfig) -> TripstreamConfig {
        var out = config
        for query in QueryName.allCases { out.builtinSQL[query] = builtinSQL(query, in: config) }
        return out
    }

    /// A built-in's SQL under `config`, normalized (one line).
    static func builtinSQL(_ query: QueryName, in config: TripstreamConfig) -> String {
        normalized(BuiltinQueries.sql(query, in: config))
    }

    /// The normalized text of `sql`, or `sql` itself when it does not compile: should the configuration ever
    /// accept a window the SQL refuses, the built-in's text is compared as written rather than the file refused.
    /// (Windows of whole days were such a case until DAY and HOUR were told apart; they now compile.)
    static func normalized(_ sql: String) -> String {
        (try? QueryAnalyzer.compile(sql, name: "check").normalizedSQL) ?? sql
    }
}
