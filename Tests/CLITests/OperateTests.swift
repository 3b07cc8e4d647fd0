import Foundation
import Testing
import TripSinks
import TripSQLite
import TripTesting

/// Operating tripstream: metrics that move, the Grafana dashboard's metrics, tenants side by side.
@Suite(.serialized) struct OperateTests {
    /// `run --http` while rows arrive in two batches: every counter and the epoch move between the scrapes, and
    /// every metric the shipped Grafana dashboard queries is exported.
    @Test func runMetricsMoveAndCoverTheGrafanaDashboard() throws {
        let dir = scratchDirectory("cli")
        let all = "\(dir)/all.csv"
        try #require(try tripstream(["generate", "--rows", "1000", "--seed", "31", "--per-day", "400", "-o", all]).status == 0)
        let lines = try String(contentsOfFile: all, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true)
        try ([lines[0]] + lines[1...500]).joined(separator: "\n").appending("\n").write(toFile: "\(dir)/a.csv", atomically: true, encoding: .utf8)
        try ([lines[0]] + lines[501...]).joined(separator: "\n").appending("\n").write(toFile: "\(dir)/b.csv", atomically: true, encoding: .utf8)

        let broker = try DevBroker(["--brokers", "1", "--partitions", "1"])
        defer { _ = broker.stop() }
        let run = try ServingProcess(["run", "--brokers", broker.bootstrap, "--db", "\(dir)/k.sqlite", "--epoch-rows", "100",
                                      "--http", "127.0.0.1:0", "--log-level", "notice"])
        defer { run.stop() }  // also when an expectation throws
        func scrape(until rows: Double) throws -> String {
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                let body = try curl(run.url + "metrics").body
                if metricValue(body, "tripstream_rows_read_total") ?? 0 >= rows { return body }
                usleep(100_000)
            }
            throw ServingError("rows_read never reached \(rows)")
        }
        #expect(try tripstream(["produce", "\(dir)/a.csv", "--brokers", broker.bootstrap, "--quiet"]).status == 0)
        let first = try scrape(until: 500)
        #expect(try tripstream(["produce", "\(dir)/b.csv", "--brokers", broker.bootstrap, "--quiet"]).status == 0)
        let second = try scrape(until: 1000)
        for name in ["tripstream_rows_read_total", "tripstream_rows_processed_total", "tripstream_epoch",
                     "tripstream_epoch_duration_seconds_count", "tripstream_checkpoint_duration_seconds_count",
                     "tripstream_windows_emitted_total"] {
            let a = metricValue(first, name), b = metricValue(second, name)
            #expect(a != nil && b != nil && b! > a!, "\(name): \(String(describing: a)) → \(String(describing: b))")
        }
        #expect(metricValue(second, "tripstream_rows_read_total") == 1000)
        #expect(metricValue(second, "tripstream_kafka_consumer_lag_messages") == 0)
        #expect(metricValue(second, "tripstream_kafka_produce_errors_total") == 0)
        #expect((metricValue(second, "tripstream_watermark_timestamp_seconds") ?? 0) > 1_000_000_000)
        let status = try curl(run.url + "healthz").json
        #expect(status["mode"] as? String == "run")
        #expect(status["lag_messages"] as? Int == 0)
        #expect(status["source"] as? String == "tenantstreamapp_ingestData")

        // Every metric a Grafana panel queries exists in the scrape.
        let dashboard = try String(contentsOf: repoRoot.appendingPathComponent("deploy/grafana/tripstream.json"), encoding: .utf8)
        let json = try JSONSerialization.jsonObject(with: Data(dashboard.utf8)) as? [String: Any]
        let exprs = (json?["panels"] as? [[String: Any]] ?? []).flatMap { ($0["targets"] as? [[String: Any]] ?? []).compactMap { $0["expr"] as? String } }
        #expect(exprs.count >= 8)
        let used = Set(exprs.flatMap { expr in
            expr.matches(of: /tripstream_[a-z_]+/).map { String($0.output) }
        })
        let exported = Set(second.split(separator: "\n").filter { !$0.hasPrefix("#") }.compactMap {
            $0.split(whereSeparator: { $0 == "{" || $0 == " " }).first.map(String.init)
        })
        #expect(!used.isEmpty)
        for name in used.sorted() { #expect(exported.contains(name), "the Grafana dashboard queries \(name), which /metrics lacks") }
        let end = run.stop()
        #expect(end.status == 0, "\(end.output)")
    }

    /// Two tenants with different windows replay the same file at the same time into one mirror, each with
    /// its own default state and its own HTTP server: each tenant's rows equal a run of that tenant alone.
    @Test func twoTenantsShareAMirrorWithoutInterfering() throws {
        let dir = scratchDirectory("cli")
        let fixture = repoRoot.appendingPathComponent("fixtures/trips-2k.csv").path
        let shared = "\(dir)/shared.sqlite"
        // Both start before either is waited for: their epochs interleave in the shared mirror.
        let alpha = try ServingProcess(starting: ["replay", fixture, "--db", shared, "--tenant", "alpha", "--profile", "seed",
                                                  "--epoch-rows", "50", "--quiet", "--http", "127.0.0.1:0", "--keep-serving"])
        let beta = try ServingProcess(starting: ["replay", fixture, "--db", shared, "--tenant", "beta",
                                                 "--epoch-rows", "70", "--quiet", "--http", "127.0.0.1:0", "--keep-serving"])
        defer { alpha.stop(); beta.stop() }
        for (server, tenant) in [(alpha, "alpha"), (beta, "beta")] {
            let url = try server.waitForURL()
            let metrics = try curl(url + "metrics").body
            #expect(metrics.contains("tripstream_rows_read_total{tenant=\"\(tenant)\"} 2000"), "\(tenant)")
            let status = try curl(url + "healthz").json
            #expect(status["tenant"] as? String == tenant && status["finished"] as? Bool == true)
        }
        #expect(alpha.stop().status == 0)
        #expect(beta.stop().status == 0)
        #expect(FileManager.default.fileExists(atPath: "\(shared).alpha.state"))
        #expect(FileManager.default.fileExists(atPath: "\(shared).beta.state"))

        #expect(try tripstream(["replay", fixture, "--db", "\(dir)/a.sqlite", "--tenant", "alpha", "--profile", "seed",
                                "--epoch-rows", "50", "--quiet"]).status == 0)
        #expect(try tripstream(["replay", fixture, "--db", "\(dir)/b.sqlite", "--tenant", "beta",
                                "--epoch-rows", "70", "--quiet"]).status == 0)
        let db = try SQLiteDatabase(path: shared, readOnly: true)
        let alone = [("alpha", "\(dir)/a.sqlite"), ("beta", "\(dir)/b.sqlite")]
        for (tenant, path) in alone {
            let together = try SQLiteMirror.canonicalDump(db, tenant: tenant)
            #expect(together == (try SQLiteMirror.canonicalDump(try SQLiteDatabase(path: path, readOnly: true), tenant: tenant)), "\(tenant)")
            #expect((together["sum_fare_window"]?.count ?? 0) > 0)
        }
        // The settings really differ: 5 s windows for alpha (the seed profile), 1 h for beta.
        let lengths = try db.rows("SELECT tenant, MIN(window_end - window_start), MAX(window_end - window_start) FROM sum_fare_window GROUP BY tenant ORDER BY tenant")
        #expect(lengths == [[.text("alpha"), .integer(5), .integer(5)], [.text("beta"), .integer(3600), .integer(3600)]])
    }
}
