import Foundation
import Testing
import TripCore
import TripSQLite
import TripTesting

/// Queries in the configuration file (`queries.<name>.sql`): `tripstream config` prints every query's SQL and
/// refuses a bad one; the printed configuration loads back; the fingerprint covers the queries; enabled SQL
/// queries run end to end.
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

    /// `cassandra-schema` and `connect-config` warn on standard error about a query whose key columns may be NULL
    /// (Cassandra refuses such a row) and still print its table and mapping; a query whose WHERE keeps NULL out
    /// gets no warning.
    @Test func cassandraCommandsWarnAboutNullableKeyColumns() throws {
        let dir = scratchDirectory("cli")
        let loose = "SELECT window_start, window_end, company, COUNT(*) FROM TUMBLE(trips, trip_start_timestamp, "
            + "INTERVAL '1' HOUR) GROUP BY window_start, window_end, company"
        let file = try configFile(dir, "c", queries: query("loose", sql: loose) + ", " + query("revenue", sql: Self.revenue))
        let warning = "warning: query 'loose': key column 'company' may be NULL, which Cassandra refuses (the sink "
            + "fails such a record); add WHERE company IS NOT NULL to keep those rows out\n"
        for (command, printed) in [("cassandra-schema", "CREATE TABLE IF NOT EXISTS mysimbdp_coredms.loose ("),
                                   ("connect-config", "\"topic.tenantstreamapp_loose.mysimbdp_coredms.loose.mapping\"")] {
            let r = try tripstream([command, "--config", file])
            #expect(r.status == 0, "\(command): \(r.stderr)")
            #expect(r.stderr == warning, "\(command)")
            #expect(r.stdout.contains(printed), "\(command)")
            #expect(try tripstream([command]).stderr.isEmpty, "\(command)")
        }
    }

    /// The four built-ins' own SQL texts, as `tripstream config` prints them, run as four more queries beside
    /// them under other names: each twin's table equals its built-in's row for row (every column) and it finds the
    /// same rows late (the same dead-letter positions, event times and watermarks), in both profiles and both
    /// replay orders; through `run`, its topic carries the built-in's messages. A query added by configuration is
    /// a built-in in all but its name; small epochs make rows late in file order.
    @Test(arguments: ["chicago", "seed"])
    func theBuiltinsOwnSQLGivesTheirTables(profile: String) throws {
        let dir = scratchDirectory("cli")
        let printed = try tripstream(["config", "--profile", profile])
        try #require(printed.status == 0, "\(printed.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(printed.stdout.utf8)) as? [String: Any])
        let builtins = try #require(json["queries"] as? [String: [String: Any]])
        let names = ["sum_fare_window", "trips_total", "hotspot_community_window", "hotspot_window"]
        let twins = try names.map { name -> String in
            let q = try #require(builtins[name])
            let sql = try #require(q["sql"] as? String), watermark = try #require(q["watermark"] as? String)
            let mode = try #require(q["mode"] as? String)
            return "\"twin_\(name)\": {\"sql\": \(jsonString(sql)), \"watermark\": \"\(watermark)\", \"mode\": \"\(mode)\"}"
        }
        let file = try configFile(dir, "twins", queries: twins.joined(separator: ", "))
        var lateSeen = 0
        for order in ["file", "event-time"] {
            let db = "\(dir)/\(profile)-\(order).sqlite"
            let replay = try tripstream(["replay", Self.fixture, "--db", db, "--order", order, "--epoch-rows", "97",
                                         "--profile", profile, "--quiet", "--config", file])
            try #require(replay.status == 0, "\(replay.stderr)")
            for name in names {
                let rows = try mirrorRows(db, "SELECT * FROM \(name) ORDER BY 1, 2, 3, 4")
                #expect(rows.count > 0, "\(profile) \(order) \(name)")
                #expect(try mirrorRows(db, "SELECT * FROM twin_\(name) ORDER BY 1, 2, 3, 4") == rows,
                        "\(profile) \(order) \(name)")
                // The detail names the query: the twin's, once its prefix is dropped, must read as the built-in's.
                let late = "SELECT position, replace(detail, 'twin_', ''), raw FROM dead_letters WHERE query = '%@' ORDER BY 1"
                let builtinLate = try mirrorRows(db, late.replacingOccurrences(of: "%@", with: name))
                #expect(try mirrorRows(db, late.replacingOccurrences(of: "%@", with: "twin_" + name)) == builtinLate,
                        "\(profile) \(order) \(name) late rows")
                lateSeen += builtinLate.count
            }
        }
        #expect(lateSeen > 0, "no row was late: the comparison of late rows tested nothing")

        // Through `run`, each twin's topic carries exactly its built-in's messages, byte for byte as kcat reads them
        // (the query's name in the key aside): the query value alone gives the original platform's messages.
        let broker = try DevBroker(["--brokers", "1", "--partitions", "1", "--config", file])
        defer { _ = broker.stop() }
        let lines = try String(contentsOfFile: Self.fixture, encoding: .utf8).split(separator: "\n").dropFirst()
            .joined(separator: "\n") + "\n"
        let tenant = try #require(json["tenant"] as? String)
        #expect(try kcat(["-P", "-b", broker.bootstrap, "-t", TopicNames(tenant: tenant).ingest], stdin: lines).status == 0)
        let run = try tripstream(["run", "--brokers", broker.bootstrap, "--format", "csv", "--db", "\(dir)/k.sqlite",
                                  "--stop-at-end", "--epoch-rows", "97", "--log-level", "error", "--profile", profile,
                                  "--config", file])
        try #require(run.status == 0, "\(run.stderr)")
        for (name, query) in zip(names, QueryName.allCases) {
            let original = try topicMessages(broker.bootstrap, topic: TopicNames(tenant: tenant).results(query))
            let twin = try topicMessages(broker.bootstrap, topic: "\(tenant)_twin_\(name)").map {
                ($0.key.replacingOccurrences(of: "|twin_\(name)|", with: "|\(name)|"), $0.value)
            }
            #expect(original.count > 0, "\(profile) \(name)")
            // Within an epoch the built-ins emit groups in the order first seen, the SQL path in value order.
            #expect(twin.sorted { $0 < $1 }.elementsEqual(original.sorted { $0 < $1 }, by: ==), "\(profile) \(name)")
        }
    }

    /// SQL queries added through the configuration, end to end. `hourly` is `sum_fare_window`'s computation and
    /// `daily` `trips_total`'s, so the built-ins' tables (checked against SQLite's GROUP BY in
    /// `SQLDifferentialTests`) are their truth; `revenue_by_company`
    /// adds a text group. Replay → mirror tables → `tripstream query` → HTTP API and status → `run` over
    /// dev-broker writes each query's topic, whose compacted view (read with kcat) equals the mirror → the
    /// connect-config mapping names exactly the fields of its messages.
    @Test func sqlQueriesRunEndToEnd() throws {
        let dir = scratchDirectory("cli")
        let hourly = "SELECT window_start, window_end, SUM(fare) AS fare, SUM(tips) AS tips, COUNT(*) AS trips "
            + "FROM TUMBLE(trips, trip_start_timestamp, INTERVAL '1' HOUR) GROUP BY window_start, window_end"
        let daily = "SELECT DATE(window_start), COUNT(*) AS trips, SUM(fare) AS fare, ROUND(AVG(tips), 2) AS tips_avg "
            + "FROM TUMBLE(trips, trip_start_timestamp, INTERVAL '1' DAY) GROUP BY DATE(window_start)"
        let noCompany = "SELECT window_start, window_end, SUM(fare) AS fare FROM TUMBLE(trips, trip_start_timestamp, "
            + "INTERVAL '1' HOUR) WHERE company IS NULL GROUP BY window_start, window_end"
        let file = try configFile(dir, "on", queries: [query("hourly", sql: hourly), query("daily", sql: daily),
                                                       query("revenue_by_company", sql: Self.revenue),
                                                       query("no_company", sql: noCompany)].joined(separator: ", "))
        let db = "\(dir)/m.sqlite"
        let replay = try tripstream(["replay", Self.fixture, "--db", db, "--order", "event-time", "--quiet", "--config", file])
        try #require(replay.status == 0, "\(replay.stderr)")
        #expect(try mirrorRows(db, "SELECT window_start, window_end, fare, tips, trips, final FROM hourly ORDER BY 1")
                == mirrorRows(db, "SELECT window_start, window_end, total_fare, tips_fare, trips, final FROM sum_fare_window ORDER BY 1"))
        #expect(try mirrorRows(db, "SELECT day, trips, fare, tips_avg, final FROM daily ORDER BY 1")
                == mirrorRows(db, "SELECT day, trips_total, fare_total, tips_avg, final FROM trips_total ORDER BY 1"))
        #expect(try mirrorRows(db, "SELECT COUNT(*) FROM hourly")[0][0].int64 ?? 0 > 10)
        // Per window, the companies' fares and the fares of rows without a company add up to the window's fare.
        let split = try mirrorRows(db, """
            SELECT COUNT(*), SUM(abs(coalesce(r.f, 0) + coalesce(n.fare, 0) - h.fare) > 0.001), SUM(n.fare IS NOT NULL)
            FROM hourly h LEFT JOIN (SELECT window_start, SUM(sum_fare) AS f FROM revenue_by_company GROUP BY 1) r
                USING (window_start) LEFT JOIN no_company n USING (window_start)
            """)
        #expect(split[0][1] == .integer(0) && (split[0][2].int64 ?? 0) > 0, "\(split)")

        let printed = try tripstream(["query", "revenue_by_company", "--db", db, "--top", "2", "--format", "csv"])
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(printed.stdout.hasPrefix("window_start,window_end,company,sum_fare,final\n"), "\(printed.stdout.prefix(200))")
        let unknown = try tripstream(["query", "nope", "--db", db])
        #expect(unknown.status != 0 && unknown.stderr.contains("unknown query nope; expected one of sum_fare_window, "
            + "trips_total, hotspot_community_window, hotspot_window, daily, hourly, no_company, revenue_by_company"), "\(unknown.stderr)")

        let server = try ServingProcess(["serve", "--db", db, "--http", "127.0.0.1:0"])
        defer { server.stop() }
        let api = try curl(server.url + "api/v1/queries/hourly?limit=3&order=desc")
        #expect(api.status == 200, "\(api.body)")
        let page = try #require(try JSONSerialization.jsonObject(with: Data(api.body.utf8)) as? [String: Any])
        #expect(page["columns"] as? [String] == ["window_start", "window_end", "fare", "tips", "trips", "final"])
        #expect((page["rows"] as? [[String: Any]])?.count == 3)
        let status = try #require(try JSONSerialization.jsonObject(with: Data(try curl(server.url + "api/v1/status").body.utf8))
                                  as? [String: Any])
        let daySQL = ((status["queries"] as? [String: Any])?["daily"] as? [String: Any])
        #expect(daySQL?["sql"] as? Bool == true && daySQL?["window"] as? String == "day" && daySQL?["measure"] as? String == "trips")
        #expect(try curl(server.url + "api/v1/queries/nope").status == 404)

        let broker = try DevBroker(["--brokers", "1", "--partitions", "1", "--config", file])
        defer { _ = broker.stop() }
        let lines = try String(contentsOfFile: Self.fixture, encoding: .utf8).split(separator: "\n").dropFirst()
            .joined(separator: "\n") + "\n"
        #expect(try kcat(["-P", "-b", broker.bootstrap, "-t", "tenantstreamapp_ingestData"], stdin: lines).status == 0)
        let kdb = "\(dir)/k.sqlite"
        let run = try tripstream(["run", "--brokers", broker.bootstrap, "--format", "csv", "--db", kdb, "--stop-at-end",
                                  "--log-level", "error", "--config", file])
        try #require(run.status == 0, "\(run.stderr)")
        let topic = try compactedView(broker.bootstrap, topic: "tenantstreamapp_revenue_by_company")
        let rows = try mirrorRows(kdb, "SELECT window_start, window_end, company, sum_fare, final FROM revenue_by_company")
        #expect(topic.count == rows.count && !rows.isEmpty)
        for row in rows {
            let key = "tenantstreamapp|revenue_by_company|\(row[0])|\(row[1])|"
                + (row[2].string ?? "").replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "|", with: "\\|")
            let v = topic[key]
            #expect((v?["window_start"] as? NSNumber)?.int64Value == row[0].int64, "\(key)")
            #expect(v?["company"] as? String == row[2].string)
            #expect(abs(((v?["sum_fare"] as? NSNumber)?.doubleValue ?? -1) - (row[3].double ?? -2)) < 0.001)
            #expect((v?["final"] as? Bool) == (row[4].int64 == 1))
        }
        let connect = try tripstream(["connect-config", "--config", file])
        let entries = try #require((try JSONSerialization.jsonObject(with: Data(connect.stdout.utf8)) as? [String: Any])?["config"]
                                   as? [String: String])
        for name in ["hourly", "daily", "revenue_by_company"] {
            let messages = try compactedView(broker.bootstrap, topic: "tenantstreamapp_\(name)")
            let fields = Set(try #require(messages.values.first, "\(name)").keys)
            let mapping = try #require(entries["topic.tenantstreamapp_\(name).mysimbdp_coredms.\(name).mapping"])
            #expect(Set(mapping.split(separator: ",").map { String($0.split(separator: "=")[1].dropFirst("value.".count)) }) == fields,
                    "\(name)")
        }
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
