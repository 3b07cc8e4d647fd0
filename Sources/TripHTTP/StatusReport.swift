import TripCore
import TripTelemetry
import TripSinks
import TripSQLite

/// The status object of `/healthz` and `/api/v1/status`: the committed progress from the mirror (so it is
/// the same whether a pipeline runs in this process or `serve` reads a finished mirror), plus what only a
/// live pipeline knows (checkpoint age, Kafka lag).
enum StatusReport {
    static func json(mirror db: SQLiteDatabase?, tenant: String, mode: String, telemetry: PipelineTelemetry?,
                     nowMs: Int64) throws -> String {
        // One read transaction: every figure from the same committed epoch while the pipeline writes.
        try db?.execute("BEGIN")
        defer { try? db?.execute("COMMIT") }
        let live = telemetry?.snapshot
        var j = JSONBuilder()
        j.beginObject()
        let progress = try db?.rows("""
            SELECT epoch, source, order_mode, rows_read, rows_processed, rows_rejected, rows_late, finished
            FROM progress WHERE tenant = ?
            """, [.text(tenant)]).first
        j.field("status", progress == nil ? "starting" : "ok")
        j.field("mode", mode)
        j.field("tenant", tenant)
        j.field("source", live?.source ?? progress?[1].string)
        j.field("order", progress?[2].string)
        j.field("epoch", progress?[0].int64)
        j.field("finished", progress?[7].int64 == 1)
        var watermark: Int64?
        var deadLetters = progress?[5].int64
        if let db {
            for row in try db.rows("SELECT watermark, rows_late FROM query_progress WHERE tenant = ?", [.text(tenant)]) {
                // Int64.max marks the end of input (every window closed): no time to show; `finished` says it.
                if let w = row[0].int64, w != .max { watermark = min(watermark ?? w, w) }
                deadLetters = (deadLetters ?? 0) + (row[1].int64 ?? 0)  // one dead letter per query a row was late for
            }
        }
        j.field("watermark_ms", watermark)
        j.field("watermark", watermark.map { CivilDate.isoUTC(seconds: floorDiv($0, 1000)) })
        j.field("rows_read", progress?[3].int64)
        j.field("rows_processed", progress?[4].int64)
        j.field("rows_rejected", progress?[5].int64)
        j.field("rows_late", progress?[6].int64)
        j.field("rows_dead", deadLetters)
        j.field("last_checkpoint_age_seconds", live?.lastCheckpointWallMs.map { Double(nowMs - $0) / 1000 })
        j.field("lag_messages", live?.lagMessages)
        if let live { j.field("running", live.running) } else { j.raw("running", "null") }
        // Without a progress row this tenant has no results: skip the lookups (on a mirror shared with other
        // tenants they would walk the others' rows).
        let db = progress == nil ? nil : db
        j.beginObject("queries")
        for q in QueryName.allCases {
            j.beginObject(q.rawValue)
            if q == .tripsTotal {
                j.field("latest_day", try db?.scalar(
                    "SELECT day FROM trips_total WHERE tenant = ? ORDER BY day DESC LIMIT 1", [.text(tenant)])?.string)
                j.field("latest_final_day", try db?.scalar(
                    "SELECT day FROM trips_total WHERE tenant = ? AND final = 1 ORDER BY day DESC LIMIT 1", [.text(tenant)])?.string)
            } else {
                // Walks the window-first primary key backwards and stops at the first row of this tenant (and
                // final): the newest rows, so cheap for a mirror of one tenant at any size.
                j.field("latest_window_start", try db?.scalar(
                    "SELECT window_start FROM \(q.rawValue) WHERE tenant = ? ORDER BY window_start DESC LIMIT 1",
                    [.text(tenant)])?.int64)
                j.field("latest_final_window_start", try db?.scalar(
                    "SELECT window_start FROM \(q.rawValue) WHERE tenant = ? AND final = 1 ORDER BY window_start DESC LIMIT 1",
                    [.text(tenant)])?.int64)
            }
            j.endObject()
        }
        if let db { try sqlQueries(db, tenant: tenant, into: &j) }
        j.endObject()
        j.endObject()
        return j.text
    }

    /// Each SQL query of the mirror (`SQLQueryRegistry`): `"sql": true`, its columns and their types, the window
    /// column (`window_start`, or `day`), the measure the dashboard plots (its first aggregate), and its latest
    /// window (and latest final one) of this tenant, read backwards along the table's key index.
    static func sqlQueries(_ db: SQLiteDatabase, tenant: String, into j: inout JSONBuilder) throws {
        for name in try SQLQueryRegistry.names(in: db) {
            guard let table = try SQLQueryRegistry.table(named: name, in: db) else { continue }
            let outputs = table.query.outputs
            let window = outputs.first { $0.source == .windowStart || $0.source == .day }?.name ?? "window_start"
            let measure = outputs.first { if case .aggregate = $0.source { true } else { false } }?.name
            j.beginObject(name)
            j.field("sql", true)
            j.beginArray("columns")
            for o in outputs { j.element(o.name) }
            j.endArray()
            j.beginArray("types")
            for o in outputs { j.element(o.type.description) }
            j.endArray()
            j.field("window", window)
            j.field("measure", measure)
            let column = QueryTable.quoted(window), from = QueryTable.quoted(name)
            let latest = try db.scalar("SELECT \(column) FROM \(from) WHERE tenant = ? ORDER BY \(column) DESC LIMIT 1",
                                       [.text(tenant)])
            let latestFinal = try db.scalar(
                "SELECT \(column) FROM \(from) WHERE tenant = ? AND final = 1 ORDER BY \(column) DESC LIMIT 1", [.text(tenant)])
            if window == "day" {
                j.field("latest_day", latest?.string)
                j.field("latest_final_day", latestFinal?.string)
            } else {
                j.field("latest_window_start", latest?.int64)
                j.field("latest_final_window_start", latestFinal?.int64)
            }
            j.endObject()
        }
    }
}
