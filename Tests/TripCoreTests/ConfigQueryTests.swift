import Foundation
import Testing
@testable import TripCore

/// `queries.<name>` in a configuration file: a built-in's settings, or a new query by its SQL (kept as text:
/// TripSQL compiles it).
@Suite struct ConfigQueryTests {
    func load(_ json: String) throws -> TripstreamConfig { try TripstreamConfig.load(json: Data(json.utf8)) }

    func expectError(_ json: String, key: String, message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try load(json)
            Issue.record("accepted \(json)", sourceLocation: sourceLocation)
        } catch let error as ConfigError {
            #expect(error.key == key, sourceLocation: sourceLocation)
            #expect(error.message == message, sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func aNewQueryTakesItsSQLAndDefaultsFromTheProfile() throws {
        let c = try load("""
            {"profile": "seed", "queries": {"zeta": {"sql": "SELECT 1", "mode": "update", "watermark": "1m", "enabled": false},
             "alpha": {"sql": "SELECT 2"}, "hotspot_window": {"watermark": "5m"}}}
            """)
        #expect(c.userQueries == [
            UserQuery(name: "alpha", sql: "SELECT 2", watermarkDelay: 10_000, mode: .append, enabled: true),
            UserQuery(name: "zeta", sql: "SELECT 1", watermarkDelay: 60_000, mode: .update, enabled: false),
        ])
        #expect(c.hotspotWindow.watermarkDelay == 300_000)
        // The profile's watermark, not a built-in's override.
        let chicago = try load(#"{"queries": {"sum_fare_window": {"watermark": "1h"}, "q": {"sql": "x"}}}"#)
        #expect(chicago.userQueries.map(\.watermarkDelay) == [900_000])
    }

    @Test func aBuiltinKeepsItsStatedSQLAndMayBeDisabled() throws {
        let c = try load(#"{"queries": {"trips_total": {"sql": "SELECT x", "enabled": true}}}"#)
        #expect(c.builtinSQL.tripsTotal == "SELECT x")
        #expect(c.builtinSQL.sumFareWindow == nil)
        #expect(c.tripsTotal == TripstreamConfig.chicago.tripsTotal)
        // Disabled: printed (so the fingerprint changes), and loaded back; enabled ones print as before.
        let off = try load(#"{"queries": {"hotspot_window": {"enabled": false, "watermark": "5m"}}}"#)
        #expect(!off.hotspotWindow.enabled && off.hotspotWindow.watermarkDelay == 300_000 && off.tripsTotal.enabled)
        #expect(off.canonicalJSON.contains(#""hotspot_window": {"window": "1h", "slide": "15m", "watermark": "5m", "mode": "append", "enabled": false}"#),
                "\(off.canonicalJSON)")
        #expect(try load(off.canonicalJSON) == off)
        #expect(!TripstreamConfig.chicago.canonicalJSON.contains("enabled"))
        expectError(#"{"queries": {"hotspot_window": {"enabled": 0}}}"#, key: "queries.hotspot_window.enabled",
                    message: "expected true or false, got 0")
        expectError(#"{"queries": {"hotspot_window": {"sql": 7}}}"#, key: "queries.hotspot_window.sql",
                    message: "expected a string, got 7")
    }

    @Test func newQueriesAreCheckedByNameAndKey() {
        expectError(#"{"queries": {"revenue": {"mode": "append"}}}"#, key: "queries.revenue",
                    message: "not a built-in query (sum_fare_window, trips_total, hotspot_community_window, hotspot_window); "
                    + "a new query needs \"sql\"")
        expectError(#"{"queries": {"revenue": {"sql": "x", "window": "1h"}}}"#, key: "queries.revenue.window",
                    message: "unknown key; allowed here: enabled, mode, sql, watermark")
        expectError(#"{"queries": {"revenue": {"sql": "x", "enabled": 1}}}"#, key: "queries.revenue.enabled",
                    message: "expected true or false, got 1")
        expectError(#"{"queries": {"revenue": {"sql": "x", "mode": "often"}}}"#, key: "queries.revenue.mode",
                    message: "unknown output mode \"often\"; expected append, update or complete")
        expectError(#"{"queries": {"revenue": "SELECT"}}"#, key: "queries.revenue", message: "expected an object")
        let invalid = "not a valid query name: use a lower-case letter, then up to 62 lower-case letters, digits or '_'"
        for name in ["Revenue", "1st", "_x", "", "a-b", "a b", "é", String(repeating: "a", count: 64)] {
            expectError("{\"queries\": {\"\(name)\": {\"sql\": \"x\"}}}", key: "queries.\(name)", message: invalid)
        }
        for name in ["dead_letters", "progress", "query_progress", "meta", "locations", "texts", "hotspot_window_by_id"] {
            expectError("{\"queries\": {\"\(name)\": {\"sql\": \"x\"}}}", key: "queries.\(name)",
                        message: "reserved: the mirror has a table of that name")
        }
        expectError(#"{"queries": {"sqlite_stat": {"sql": "x"}}}"#, key: "queries.sqlite_stat",
                    message: "reserved: SQLite keeps names that start with sqlite_")
        #expect(UserQuery.problem(withName: String(repeating: "a", count: 63)) == nil)
        #expect(UserQuery.problem(withName: "q_2") == nil)
        #expect(UserQuery.problem(withName: "revenue_by_id")
                == "reserved: the mirror keeps the rows of a query x with text groups in x_by_id")
    }

    /// The fingerprint of a state directory is this text: a configuration of the built-ins prints exactly as
    /// the build before `sql` (pinned from its `tripstream config`), so states resume after an upgrade
    /// (FormatOneStateTests resumes such states through the binary).
    @Test func aConfigurationOfTheBuiltinsPrintsAsBefore() throws {
        let chicago = """
            {
              "tenant": "tenantstreamapp",
              "time_column": "trip_start",
              "time_zone": "America/Chicago",
              "epoch_rows": 10000,
              "queries": {
                "sum_fare_window": {"window": "1h", "slide": "1h", "watermark": "15m", "mode": "update"},
                "trips_total": {"watermark": "15m", "mode": "update"},
                "hotspot_community_window": {"window": "1h", "slide": "15m", "watermark": "15m", "mode": "append"},
                "hotspot_window": {"window": "1h", "slide": "15m", "watermark": "15m", "mode": "append"}
              }
            }
            """
        #expect(try load("{}").canonicalJSON == chicago)
    }

    @Test func queriesPrintAndLoadBack() throws {
        let c = try load(#"""
            {"queries": {"b": {"sql": "SELECT \"x\"\n-- é\\", "enabled": false, "watermark": 90},
                         "a": {"sql": "SELECT a"}, "hotspot_window": {"sql": "S\tQ"}}}
            """#)
        let printed = c.canonicalJSON
        #expect(printed.contains(#""b": {"sql": "SELECT \"x\"\n-- é\\", "watermark": "90s", "mode": "append", "enabled": false}"#),
                "\(printed)")
        #expect(printed.contains(#""mode": "append", "sql": "S\tQ"}"#), "\(printed)")
        let again = try load(printed)
        #expect(again == c)
        #expect(again.canonicalJSON == printed)
        #expect(printed.range(of: "\"a\": {")!.lowerBound < printed.range(of: "\"b\": {")!.lowerBound)
    }
}
