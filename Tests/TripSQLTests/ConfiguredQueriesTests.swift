import Testing
import TripCore
@testable import TripSQL

/// A configuration's queries checked where SQL compiles: a built-in's stated SQL against its settings, a new
/// query's SQL compiled and normalized.
@Suite struct ConfiguredQueriesTests {
    static let revenue = "select window_start, window_end, company, sum(fare)\nfrom TUMBLE(trips, trip_start_timestamp, "
        + "INTERVAL '60' MINUTE) -- hourly\nGROUP BY window_start, window_end, company"

    @Test func aNewQueryIsNormalizedAndABuiltinsStatedSQLIsCheckedThenDropped() throws {
        var config = TripstreamConfig.seed
        config.userQueries = [UserQuery(name: "revenue", sql: Self.revenue, watermarkDelay: 60_000, mode: .append)]
        config.builtinSQL.hotspotWindow = BuiltinQueries.sql(.hotspotWindow, in: config)
        config.builtinSQL.tripsTotal = try BuiltinQueries.query(.tripsTotal, in: config).normalizedSQL.lowercased()
        let resolved = try ConfiguredQueries.resolve(config)
        #expect(resolved.userQueries.map(\.sql) == [try QueryAnalyzer.compile(Self.revenue, name: "revenue").normalizedSQL])
        #expect(resolved.userQueries[0].sql.hasPrefix("SELECT window_start, window_end, company, SUM(fare) FROM TUMBLE("))
        #expect(resolved.builtinSQL == PerQuery(repeating: nil))
        #expect(resolved.canonicalJSON == TripstreamConfig.seed.canonicalJSON.replacingOccurrences(
            of: "\n  }\n}", with: ",\n    \"revenue\": {\"sql\": \(JSONText.string(resolved.userQueries[0].sql)), "
                + "\"watermark\": \"1m\", \"mode\": \"append\", \"enabled\": true}\n  }\n}"))

        let printable = ConfiguredQueries.printable(resolved)
        for q in QueryName.allCases {
            #expect(printable.builtinSQL[q] == (try BuiltinQueries.query(q, in: config).normalizedSQL))
        }
        #expect(try ConfiguredQueries.resolve(printable) == resolved)
    }

    @Test func aBadQueryOrAnotherBuiltinSQLIsRefused() {
        var config = TripstreamConfig.chicago
        config.userQueries = [UserQuery(name: "revenue", sql: "SELECT window_end, SUM(fares) FROM TUMBLE(trips, "
            + "trip_start_timestamp, INTERVAL '1' HOUR) GROUP BY window_start, window_end", watermarkDelay: 0, mode: .append)]
        #expect(throws: ConfigError(key: "queries.revenue.sql", "unknown column 'fares' at 1:24 — did you mean 'fare'?")) {
            try ConfiguredQueries.resolve(config)
        }
        var builtin = TripstreamConfig.chicago
        builtin.builtinSQL.hotspotWindow = BuiltinQueries.sql(.hotspotCommunityWindow, in: builtin)
        do {
            _ = try ConfiguredQueries.resolve(builtin)
            Issue.record("accepted another query's SQL for hotspot_window")
        } catch {
            #expect(error.key == "queries.hotspot_window.sql")
            #expect(error.message.hasPrefix("not the SQL of this built-in query, which its window, slide and the time_column "
                                            + "decide: expected SELECT window_start, window_end, pickup_centroid_location"))
        }
    }
}
