import Foundation
import Testing
import TripTesting

/// Queries in the configuration file (`queries.<name>.sql`): `tripstream config` prints every query's SQL and
/// refuses a bad one; the printed configuration loads back; the fingerprint covers the queries; the commands
/// that compute results refuse an enabled new query until the engine runs SQL.
@Suite struct QueriesInConfigTests {
    static let revenue = "SELECT window_start, window_end, company, SUM(fare) FROM TUMBLE(trips, trip_start_timestamp, "
        + "INTERVAL '60' MINUTE) WHERE company IS NOT NULL GROUP BY window_start, window_end, company"
    static let fixture = repoRoot.appendingPathComponent("fixtures/trips-2k.csv").path

    /// Writes `queries` (JSON members) as a configuration file in `dir`, named `name`.
    func configFile(_ dir: String, _ name: String, queries: String) throws -> String {
        let path = "\(dir)/\(name).json"
        try "{\"queries\": {\(queries)}}".write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func query(_ name: String, sql: String, enabled: Bool = true) -> String {
        "\"\(name)\": {\"sql\": \(jsonString(sql)), \"enabled\": \(enabled)}"
    }

    func jsonString(_ s: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [s], options: [.withoutEscapingSlashes]), as: UTF8.self)
            .dropFirst().dropLast().description
    }

    @Test func configPrintsEveryQuerysSQLAndTheOutputLoadsBack() throws {
        let dir = scratchDirectory("cli")
        let file = try configFile(dir, "c", queries: query("revenue_by_company", sql: Self.revenue)
                                  + #", "hotspot_window": {"window": "30m", "slide": "10m"}"#)
        let printed = try tripstream(["config", "--config", file])
        try #require(printed.status == 0, "\(printed.stderr)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(printed.stdout.utf8)) as? [String: Any])
        let queries = try #require(root["queries"] as? [String: [String: Any]])
        #expect(queries["revenue_by_company"]?["sql"] as? String
                == "SELECT window_start, window_end, company, SUM(fare) FROM TUMBLE(trips, trip_start_timestamp, "
                + "INTERVAL '1' HOUR) WHERE company IS NOT NULL GROUP BY window_start, window_end, company")
        #expect(queries["revenue_by_company"]?["enabled"] as? Bool == true)
        #expect(queries["revenue_by_company"]?["mode"] as? String == "append")
        #expect(queries["revenue_by_company"]?["watermark"] as? String == "15m")
        #expect(queries["hotspot_window"]?["sql"] as? String
                == "SELECT window_start, window_end, pickup_centroid_location, COUNT(*) FROM HOP(trips, trip_start_timestamp, "
                + "INTERVAL '10' MINUTE, INTERVAL '30' MINUTE) WHERE pickup_centroid_location IS NOT NULL "
                + "GROUP BY window_start, window_end, pickup_centroid_location")
        #expect((queries["trips_total"]?["sql"] as? String)?.contains("TUMBLE(trips, trip_start_timestamp, INTERVAL '1' DAY)") == true)
        #expect(queries.count == 5)

        try printed.stdout.write(toFile: "\(dir)/printed.json", atomically: true, encoding: .utf8)
        let again = try tripstream(["config", "--config", "\(dir)/printed.json"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(again.stdout == printed.stdout)

        // A built-in's printed SQL is checked against its settings: changing one without the other is refused.
        let edited = printed.stdout.replacingOccurrences(of: #""window": "30m""#, with: #""window": "40m""#)
        try edited.write(toFile: "\(dir)/edited.json", atomically: true, encoding: .utf8)
        let refused = try tripstream(["config", "--config", "\(dir)/edited.json"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("invalid configuration: queries.hotspot_window.sql: not the SQL of this built-in query")
                && refused.stderr.contains("INTERVAL '40' MINUTE"), "\(refused.stderr)")
    }

    @Test func aBadQueryIsRefusedWithItsPositionAndASuggestionByEveryCommand() throws {
        let dir = scratchDirectory("cli")
        let sql = "SELECT window_end, SUM(fares) FROM TUMBLE(trips, trip_start_timestamp, INTERVAL '1' HOUR) GROUP BY window_start, window_end"
        let file = try configFile(dir, "bad", queries: query("revenue", sql: sql, enabled: false))
        let message = "invalid configuration: queries.revenue.sql: unknown column 'fares' at 1:24 — did you mean 'fare'?"
        for args in [["config"], ["replay", Self.fixture, "--db", "\(dir)/m.sqlite", "--state", "\(dir)/state", "--quiet"]] {
            let r = try tripstream(args + ["--config", file])
            #expect(r.status == 1, "\(args[0]): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(args[0]): \(r.stderr)")
            #expect(r.stdout.isEmpty, "\(args[0])")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/m.sqlite"))
    }

    @Test func anEnabledNewQueryIsRefusedByTheCommandsThatComputeResults() throws {
        let dir = scratchDirectory("cli")
        let file = try configFile(dir, "on", queries: query("revenue_by_company", sql: Self.revenue))
        let message = "invalid configuration: queries.revenue_by_company: user-defined queries are compiled and checked "
            + "(tripstream config) but not executed by this build yet"
        let commands = [
            ["replay", Self.fixture, "--db", "\(dir)/m.sqlite", "--state", "\(dir)/state", "--quiet"],
            ["run", "--brokers", "127.0.0.1:1", "--db", "\(dir)/k.sqlite", "--state", "\(dir)/kstate", "--stop-at-end"],
            ["verify-recovery", Self.fixture, "--kills", "1"],
        ]
        for args in commands {
            let r = try tripstream(args + ["--config", file])
            #expect(r.status == 1, "\(args[0]): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(args[0]): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/m.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/k.sqlite"))

        // Disabled, it is checked (config prints it) and the built-ins run.
        let off = try configFile(dir, "off", queries: query("revenue_by_company", sql: Self.revenue, enabled: false))
        let replay = try tripstream(["replay", Self.fixture, "--db", "\(dir)/m.sqlite", "--state", "\(dir)/state",
                                     "--quiet", "--config", off])
        #expect(replay.status == 0, "\(replay.stderr)")
        let printed = try tripstream(["config", "--config", off])
        #expect(printed.status == 0 && printed.stdout.contains(#""enabled": false"#), "\(printed.stderr)")
    }

    /// A state written under one query set is refused under another, with the way out (`--reset`); the same
    /// queries spelt differently, or the printed configuration, resume it.
    @Test func aChangedQuerySetCannotResumeAState() throws {
        let dir = scratchDirectory("cli")
        let spelt = Self.revenue.replacingOccurrences(of: "SUM(fare)", with: "sum( fare )")
        let files = (
            first: try configFile(dir, "first", queries: query("revenue", sql: Self.revenue, enabled: false)),
            changed: try configFile(dir, "changed", queries: query("revenue", sql: Self.revenue.replacingOccurrences(
                of: "SUM(fare)", with: "SUM(tips)"), enabled: false)),
            added: try configFile(dir, "added", queries: query("revenue", sql: Self.revenue, enabled: false) + ", "
                                  + query("revenue_2", sql: Self.revenue, enabled: false)),
            removed: try configFile(dir, "removed", queries: ""),
            spelt: try configFile(dir, "spelt", queries: query("revenue", sql: spelt, enabled: false)))
        func replay(_ config: String) -> [String] {
            ["replay", Self.fixture, "--db", "\(dir)/m.sqlite", "--state", "\(dir)/state", "--epoch-rows", "500",
             "--quiet", "--config", config]
        }
        let crashed = try tripstream(replay(files.first), environment: ["TRIPSTREAM_CRASH_AT": "after-lmdb-commit:2"])
        try #require(crashed.status == 86, "\(crashed.stderr)")
        for config in [files.changed, files.added, files.removed] {
            let refused = try tripstream(replay(config))
            #expect(refused.status != 0, "\(config)")
            #expect(refused.stderr.contains("different configuration") && refused.stderr.contains("--reset"),
                    "\(config): \(refused.stderr)")
        }
        let resumed = try tripstream(replay(files.spelt))
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resumed after epoch 2"), "\(resumed.stdout)")
    }

    /// A state of the four built-ins, written before queries had SQL, resumes under the configuration
    /// `tripstream config` prints now (its built-ins' SQL is checked, not part of the fingerprint).
    @Test func thePrintedConfigurationResumesABuiltinsState() throws {
        let dir = scratchDirectory("cli")
        let printed = try tripstream(["config", "--profile", "seed"])
        try #require(printed.status == 0, "\(printed.stderr)")
        try printed.stdout.write(toFile: "\(dir)/printed.json", atomically: true, encoding: .utf8)
        func replay(_ config: [String]) -> [String] {
            ["replay", Self.fixture, "--db", "\(dir)/m.sqlite", "--state", "\(dir)/state", "--epoch-rows", "500", "--quiet"]
                + config
        }
        let crashed = try tripstream(replay(["--profile", "seed"]), environment: ["TRIPSTREAM_CRASH_AT": "after-lmdb-commit:2"])
        try #require(crashed.status == 86, "\(crashed.stderr)")
        let resumed = try tripstream(replay(["--config", "\(dir)/printed.json"]))
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resumed after epoch 2"), "\(resumed.stdout)")
    }
}
