import Foundation
import Testing
import TripCore
@testable import TripHTTP
import TripSinks
import TripSQLite
import TripTelemetry

/// The status object of /healthz and /api/v1/status, from a real SQLite mirror and a live telemetry.
@Suite struct StatusReportTests {
    func report(_ db: SQLiteDatabase?, telemetry: PipelineTelemetry? = nil, nowMs: Int64 = 0) throws -> [String: Any] {
        let text = try StatusReport.json(mirror: db, tenant: "chicago", mode: "run", telemetry: telemetry, nowMs: nowMs)
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    /// Before the first commit: "starting", every figure null, `running` null without a pipeline in the process.
    @Test func withoutProgressTheStatusIsStarting() throws {
        let mirror = try SQLiteMirror(path: ":memory:", tenant: "chicago")
        // Another tenant's progress is not this one's.
        try mirror.db.execute("INSERT INTO progress VALUES ('other', 3, 'x.csv', 0, 'file', 10, 9, 1, 0, 1)")
        for db in [nil, mirror.db] {
            let s = try report(db)
            #expect(s["status"] as? String == "starting" && s["mode"] as? String == "run" && s["tenant"] as? String == "chicago")
            #expect(s["epoch"] is NSNull && s["rows_read"] is NSNull && s["rows_dead"] is NSNull && s["watermark"] is NSNull)
            #expect(s["finished"] as? Bool == false && s["running"] is NSNull && s["lag_messages"] is NSNull)
            let queries = try #require(s["queries"] as? [String: [String: Any]])
            #expect(Set(queries.keys) == Set(QueryName.allCases.map(\.rawValue)))
            #expect(queries["trips_total"]?["latest_day"] is NSNull)
            #expect(queries["hotspot_window"]?["latest_final_window_start"] is NSNull)
        }
    }

    /// Committed figures from the mirror: the slowest watermark (the end-of-input marker and a query without rows
    /// left out), dead letters = rejected rows + one per query a row was late for, the newest windows and days;
    /// the live ones (source, checkpoint age, lag, running) from the telemetry.
    @Test func progressAndLiveFiguresMakeTheStatus() throws {
        let mirror = try SQLiteMirror(path: ":memory:", tenant: "chicago")
        try mirror.db.execute("""
            INSERT INTO progress VALUES ('chicago', 7, 'trips.csv', 4096, 'event-time', 120, 100, 20, 4, 0);
            INSERT INTO query_progress VALUES ('chicago', 'sum_fare_window', 1425621660000, 2, 5),
                ('chicago', 'trips_total', 9223372036854775807, 0, 1), ('chicago', 'hotspot_window', NULL, 0, 0),
                ('chicago', 'hotspot_community_window', 1425621600500, 3, 2), ('other', 'trips_total', 1000, 50, 1);
            INSERT INTO trips_total VALUES ('chicago', '2015-03-05', 1, 1, 1, 1, 1), ('chicago', '2015-03-06', 1, 1, 1, 1, 0),
                ('other', '2015-03-09', 1, 1, 1, 1, 1);
            INSERT INTO sum_fare_window VALUES ('chicago', 1425621600, 1425625200, 1, 1, 1, 1, 1),
                ('chicago', 1425625200, 1425628800, 1, 1, 1, 1, 0);
            """)
        let telemetry = PipelineTelemetry(tenant: "chicago", mode: "run", source: "kafka acme_ingestData")
        telemetry.checkpointed(seconds: 0.01)
        telemetry.setLag(12)
        let checkpointMs = try #require(telemetry.snapshot.lastCheckpointWallMs)
        let s = try report(mirror.db, telemetry: telemetry, nowMs: checkpointMs + 2_500)
        #expect(s["status"] as? String == "ok" && s["source"] as? String == "kafka acme_ingestData")
        #expect(s["order"] as? String == "event-time" && s["epoch"] as? Int == 7 && s["finished"] as? Bool == false)
        #expect(s["rows_read"] as? Int == 120 && s["rows_processed"] as? Int == 100)
        #expect(s["rows_rejected"] as? Int == 20 && s["rows_late"] as? Int == 4 && s["rows_dead"] as? Int == 25)
        #expect(s["watermark_ms"] as? Int == 1_425_621_600_500 && s["watermark"] as? String == "2015-03-06T06:00:00Z")
        #expect(s["last_checkpoint_age_seconds"] as? Double == 2.5 && s["lag_messages"] as? Int == 12)
        #expect(s["running"] as? Bool == true)
        let queries = try #require(s["queries"] as? [String: [String: Any]])
        #expect(queries["trips_total"]?["latest_day"] as? String == "2015-03-06")
        #expect(queries["trips_total"]?["latest_final_day"] as? String == "2015-03-05")
        #expect(queries["sum_fare_window"]?["latest_window_start"] as? Int == 1_425_625_200)
        #expect(queries["sum_fare_window"]?["latest_final_window_start"] as? Int == 1_425_621_600)
        #expect(queries["hotspot_window"]?["latest_window_start"] is NSNull)

        telemetry.stopped()
        #expect(try report(mirror.db, telemetry: telemetry)["running"] as? Bool == false)
    }
}
