import Foundation
import Testing
import TripSQLite
import TripTesting

/// The HTTP server against a real client (curl): every endpoint, paging, errors, tokens.
@Suite(.serialized) struct HTTPTests {
    let fixture = repoRoot.appendingPathComponent("fixtures/trips-2k.csv").path

    @Test func replayServesStatusQueriesMetricsAndTheDashboard() throws {
        let dir = scratchDirectory("cli")
        let db = "\(dir)/m.sqlite"
        let server = try ServingProcess(["replay", fixture, "--db", db, "--quiet", "--http", "127.0.0.1:0", "--keep-serving"])
        defer { server.stop() }
        let base = server.url
        let mirror = try SQLiteDatabase(path: db, readOnly: true)

        // Status: the committed progress of the finished replay.
        let health = try curl(base + "healthz")
        #expect(health.status == 200)
        let status = health.json
        #expect(status["status"] as? String == "ok")
        #expect(status["mode"] as? String == "replay")
        #expect(status["rows_read"] as? Int == 2000)
        #expect(status["finished"] as? Bool == true)
        #expect((status["rows_processed"] as? Int ?? 0) + (status["rows_rejected"] as? Int ?? 0) == 2000)
        #expect(status["last_checkpoint_age_seconds"] is Double)
        let latest = try mirror.scalar("SELECT MAX(window_start) FROM sum_fare_window")!.int64!
        let queries = status["queries"] as? [String: [String: Any]]
        #expect((queries?["sum_fare_window"]?["latest_final_window_start"] as? NSNumber)?.int64Value == latest)
        #expect(try curl(base + "api/v1/status").json["rows_read"] as? Int == 2000)

        // A query, all pages: the same rows as the mirror, in window order.
        var windows: [[String: Any]] = []
        var offset: Int? = 0
        var pages = 0
        while let o = offset {
            let page = try curl(base + "api/v1/queries/sum_fare_window?limit=25&offset=\(o)")
            #expect(page.status == 200)
            windows += page.json["rows"] as? [[String: Any]] ?? []
            offset = page.json["next_offset"] as? Int
            #expect(page.headers["x-next-offset"] == offset.map(String.init))  // absent on the last page
            pages += 1
        }
        let expected = try mirror.rows("SELECT window_start, total_fare, trips, final FROM sum_fare_window ORDER BY window_start")
        #expect(pages == (expected.count + 24) / 25)
        #expect(windows.count == expected.count && expected.count > 25)
        for (row, want) in zip(windows, expected) {
            #expect((row["window_start"] as? NSNumber)?.int64Value == want[0].int64)
            #expect(abs(((row["total_fare"] as? NSNumber)?.doubleValue ?? -1) - (want[1].double ?? -2)) < 0.005)
            #expect((row["trips"] as? NSNumber)?.int64Value == want[2].int64)
            #expect(row["final"] as? Bool == (want[3].int64 == 1))
        }

        // The top 5 windows by fare, paged 2 at a time: 2 + 2 + 1, and exactly the mirror's top 5.
        var topFive: [Double] = []
        var next: Int? = 0
        while let o = next {
            let page = try curl(base + "api/v1/queries/sum_fare_window?top=5&limit=2&offset=\(o)").json
            topFive += (page["rows"] as? [[String: Any]] ?? []).compactMap { ($0["total_fare"] as? NSNumber)?.doubleValue }
            next = page["next_offset"] as? Int
        }
        let fiveExpected = try mirror.rows("SELECT total_fare FROM sum_fare_window ORDER BY total_fare DESC, window_start LIMIT 5")
        #expect(topFive == fiveExpected.compactMap { $0[0].double })

        // Newest first, a range, top-N per window, CSV.
        let desc = try curl(base + "api/v1/queries/sum_fare_window?order=desc&limit=1").json["rows"] as? [[String: Any]]
        #expect((desc?.first?["window_start"] as? NSNumber)?.int64Value == latest)
        let from = expected[3][0].int64!, to = expected[7][0].int64!
        let ranged = try curl(base + "api/v1/queries/sum_fare_window?from=\(from)&to=\(to)").json["rows"] as? [[String: Any]]
        #expect(ranged?.count == 4)
        let top = try curl(base + "api/v1/queries/hotspot_community_window?top=1&from=\(latest - 3600)").json["rows"] as? [[String: Any]]
        let topExpected = try mirror.rows("""
            SELECT window_start, MAX(count) FROM hotspot_community_window WHERE window_start >= ? GROUP BY window_start ORDER BY 1
            """, [.integer(latest - 3600)])
        #expect(top?.count == topExpected.count && !topExpected.isEmpty)
        #expect(top?.map { ($0["count"] as? NSNumber)?.int64Value } == topExpected.map { $0[1].int64 })
        let csv = try curl(base + "api/v1/queries/trips_total?format=csv")
        #expect(csv.headers["content-type"]?.hasPrefix("text/csv") == true)
        let csvLines = csv.body.split(separator: "\n")
        #expect(csvLines.first == "day,trips_total,fare_total,tips_avg,trip_total_avg,final")
        let days = try mirror.scalar("SELECT COUNT(*) FROM trips_total")!.int64!
        #expect(Int64(csvLines.count - 1) == days && days > 0)

        // Metrics of the replay: the rows it read, per-query emits, RSS.
        let metrics = try curl(base + "metrics")
        #expect(metrics.status == 200)
        #expect(metrics.headers["content-type"]?.hasPrefix("text/plain") == true)
        #expect(metricValue(metrics.body, "tripstream_rows_read_total") == 2000)
        #expect(metricValue(metrics.body, "tripstream_rows_dead_total") == Double(status["rows_dead"] as? Int ?? -1))
        // Rows emitted per query, as the replay's summary counts them.
        for line in server.text.split(separator: "\n") where line.contains(" rows emitted") {
            let words = line.split(separator: " ")
            #expect(metricValue(metrics.body, "tripstream_windows_emitted_total", labels: "query=\"\(words[0])\"") == Double(words[1]), "\(line)")
        }
        #expect(status["running"] as? Bool == false)
        #expect(metricValue(metrics.body, "tripstream_epoch_duration_seconds_count") == 1)
        #expect(metricValue(metrics.body, "tripstream_checkpoint_duration_seconds_count") == 1)
        #expect((metricValue(metrics.body, "tripstream_process_resident_memory_bytes") ?? 0) > 1_000_000)
        // Every family has one HELP line, right before its TYPE line.
        let lines = metrics.body.split(separator: "\n")
        let types = lines.enumerated().filter { $0.element.hasPrefix("# TYPE ") }
        #expect(types.count >= 10)
        for (i, line) in types {
            let name = line.split(separator: " ")[2]
            #expect(i > 0 && lines[i - 1].hasPrefix("# HELP \(name) ") && lines[i - 1].count > "# HELP \(name) ".count + 5, "\(line)")
            #expect(lines.filter { $0.hasPrefix("# HELP \(name) ") }.count == 1, "\(name)")
        }

        // The page itself: self-contained HTML (no external scripts or styles).
        let page = try curl(base)
        #expect(page.status == 200)
        #expect(page.headers["content-type"]?.hasPrefix("text/html") == true)
        #expect(page.body.contains("api/v1/queries/") && page.body.contains("api/v1/status"))
        #expect(!page.body.contains("src=\"http") && !page.body.contains("href=\"http"))

        let end = server.stop()
        #expect(end.status == 0, "\(end.output)")
    }

    @Test func badRequestsGetJSONErrorsAndTheServerCarriesOn() throws {
        let dir = scratchDirectory("cli")
        let db = "\(dir)/m.sqlite"
        try #require(try tripstream(["replay", fixture, "--db", db, "--quiet"]).status == 0)
        let server = try ServingProcess(["serve", "--db", db, "--http", "127.0.0.1:0"])
        defer { server.stop() }
        let cases: [(String, Int, String)] = [
            ("api/v1/queries/nope", 404, "unknown query nope"),
            ("api/v1/queries/trips_total?from=yesterday", 400, "from takes Unix seconds"),
            ("api/v1/queries/sum_fare_window?from=200&to=100", 400, "bad range"),
            ("api/v1/queries/sum_fare_window?format=xml", 400, "format must be json or csv"),
            ("api/v1/queries/sum_fare_window?limit=0", 400, "limit must be an integer"),
            ("api/v1/queries/sum_fare_window?limit=10001", 400, "limit must be an integer"),
            ("api/v1/queries/sum_fare_window?offset=-1", 400, "offset must be an integer"),
            ("api/v1/queries/sum_fare_window?order=sideways", 400, "order must be asc or desc"),
            ("api/v1/queries/sum_fare_window?final=maybe", 400, "final must be true or false"),
            ("api/v1/queries/sum_fare_window?frm=1", 400, "unknown parameter frm"),
            ("api/v1/queries/sum_fare_window?tenant=a%20b", 400, "not a valid tenant"),
            ("api/v1/queries/sum_fare_window?top=0", 400, "top must be an integer"),
            ("no/such/page", 404, "no such endpoint"),
        ]
        for (path, code, message) in cases {
            let r = try curl(server.url + path)
            #expect(r.status == code, "\(path)")
            #expect(r.headers["content-type"] == "application/json", "\(path)")
            #expect((r.json["error"] as? String)?.contains(message) == true, "\(path): \(r.body)")
        }
        #expect(try curl(server.url + "healthz", method: "DELETE").status == 404)
        // Another tenant's (empty) rows, and the server still answers after all that.
        let other = try curl(server.url + "api/v1/queries/trips_total?tenant=someone_else")
        #expect(other.status == 200 && (other.json["rows"] as? [Any])?.isEmpty == true)
        #expect(try curl(server.url + "healthz").json["mode"] as? String == "serve")
        #expect(server.stop().status == 0)
    }

    @Test func aTokenGuardsEverythingButHealthz() throws {
        let dir = scratchDirectory("cli")
        let db = "\(dir)/m.sqlite"
        try #require(try tripstream(["replay", fixture, "--db", db, "--quiet"]).status == 0)

        // A non-loopback address without a token is refused before anything is bound.
        let open = try tripstream(["serve", "--db", db, "--http", "0.0.0.0:0"])
        #expect(open.status != 0)
        #expect(open.stderr.contains("--http-token"), "\(open.stderr)")

        try "s3cret-token\n".write(toFile: "\(dir)/token", atomically: true, encoding: .utf8)
        let server = try ServingProcess(["serve", "--db", db, "--http", "127.0.0.1:0", "--http-token-file", "\(dir)/token"])
        defer { server.stop() }
        let api = server.url + "api/v1/queries/trips_total"
        let health = try curl(server.url + "healthz")
        #expect(health.status == 200 && health.body == "{\"status\":\"ok\"}")  // details only with the token
        for path in ["api/v1/queries/trips_total", "api/v1/status", "metrics", "", "/healthz/../api/v1/status",
                     "/healthz", "healthz/", "%68ealthz", "/?token=s3cret-token"] {
            let r = try curl(server.url + path, pathAsIs: true)
            #expect(r.status == 401, "\(path)")
            #expect(r.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
            #expect(r.json["error"] is String)
        }
        #expect(try curl(api, headers: ["Authorization: Bearer wrong"]).status == 401)
        #expect(try curl(api, headers: ["Authorization: Bearer s3cret-tokenX"]).status == 401)
        #expect(try curl(api, headers: ["Authorization: Bearer s3cret-token"]).status == 200)
        #expect(try curl(api, headers: ["Authorization: bearer s3cret-token"]).status == 200)  // the scheme in any case
        let detailed = try curl(server.url + "api/v1/status", headers: ["Authorization: Bearer s3cret-token"]).json
        #expect(detailed["rows_read"] as? Int == 2000 && detailed["mode"] as? String == "serve")
        #expect(try curl(server.url + "metrics", headers: ["Authorization: Bearer s3cret-token"]).status == 200)
        #expect(try curl(server.url + "?token=s3cret-token").status == 200)
        #expect(try curl(server.url + "api/v1/status?token=s3cret-token").status == 401)
        #expect(server.stop().status == 0)

        // The environment variable works as well.
        let envServer = try ServingProcess(["serve", "--db", db, "--http", "127.0.0.1:0"],
                                           environment: ["TRIPSTREAM_HTTP_TOKEN": "from-env"])
        defer { envServer.stop() }
        #expect(try curl(envServer.url + "api/v1/status").status == 401)
        #expect(try curl(envServer.url + "api/v1/status", headers: ["Authorization: Bearer from-env"]).status == 200)
        #expect(envServer.stop().status == 0)
    }
}
