import TripCore
import TripEngine
import TripSQLite

/// Where an epoch ended in its source: recorded with the epoch's results, in the same transaction.
public struct EpochProgress: Sendable, Equatable {
    public var source: String
    public var position: Int64
    public var orderMode: String
    public init(source: String, position: Int64, orderMode: String) {
        self.source = source
        self.position = position
        self.orderMode = orderMode
    }
}

/// The local SQLite mirror of all results. Each epoch is applied in one transaction (results, dead letters,
/// progress); rows are upserted by their deterministic key, so applying an epoch twice changes nothing.
public final class SQLiteMirror {
    public let db: SQLiteDatabase
    public let tenant: String

    public init(path: String, tenant: String) throws {
        db = try SQLiteDatabase(path: path)
        self.tenant = tenant
        try db.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
        try db.execute(MirrorSchema.ddl)
        let version = try db.scalar("SELECT value FROM meta WHERE key = 'schema_version'")
        if let v = version?.string, v != String(MirrorSchema.version) {
            throw SQLiteError(code: 0, message: "\(path) has mirror schema version \(v); this build writes version \(MirrorSchema.version)")
        }
        try db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '\(MirrorSchema.version)')")
    }

    static func money(_ cents: Int64?) -> SQLiteValue { cents.map { .real(Double($0) / 100) } ?? .null }
    static func seconds(_ ms: EventTime) -> SQLiteValue { .integer(floorDiv(ms, 1000)) }

    /// Applies one epoch: result rows, dead letters and progress, atomically.
    public func apply(_ output: EpochOutput, deadLetters: [DeadLetter], progress: EpochProgress,
                      counters: Counters) throws {
        try db.transaction {
            let t = SQLiteValue.text(tenant)
            let sumFare = try db.cached("""
                INSERT OR REPLACE INTO sum_fare_window(tenant, window_start, window_end, total_fare, tips_fare,
                    total_trip_total, trips, final) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for r in output.sumFare {
                try sumFare.run([t, Self.seconds(r.windowStart), Self.seconds(r.windowEnd), Self.money(r.totals.fare),
                                 Self.money(r.totals.tips), Self.money(r.totals.tripTotal), .integer(r.totals.trips),
                                 .integer(r.final ? 1 : 0)])
            }
            let days = try db.cached("""
                INSERT OR REPLACE INTO trips_total(tenant, day, trips_total, fare_total, tips_avg, trip_total_avg, final)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """)
            for r in output.tripsTotal {
                try days.run([t, .text(r.isoDay), .integer(r.totals.trips), Self.money(r.totals.fare),
                              Self.money(r.totals.tipsAverage), Self.money(r.totals.tripTotalAverage),
                              .integer(r.final ? 1 : 0)])
            }
            let community = try db.cached("""
                INSERT OR REPLACE INTO hotspot_community_window(tenant, window_start, window_end,
                    pickup_community_area, count, final) VALUES (?, ?, ?, ?, ?, ?)
                """)
            for r in output.communityHotspots {
                try community.run([t, Self.seconds(r.windowStart), Self.seconds(r.windowEnd),
                                   .integer(Int64(r.communityArea)), .integer(r.count), .integer(r.final ? 1 : 0)])
            }
            let location = try db.cached("""
                INSERT OR REPLACE INTO hotspot_window(tenant, window_start, window_end,
                    pickup_centroid_location, count, final) VALUES (?, ?, ?, ?, ?, ?)
                """)
            for r in output.locationHotspots {
                try location.run([t, Self.seconds(r.windowStart), Self.seconds(r.windowEnd), .text(r.location),
                                  .integer(r.count), .integer(r.final ? 1 : 0)])
            }
            let dead = try db.cached("""
                INSERT OR REPLACE INTO dead_letters(tenant, source, position, query, reason, detail, raw, epoch)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for d in deadLetters {
                try dead.run([t, .text(progress.source), .integer(d.offset), .text(d.query?.rawValue ?? ""),
                              .text(d.reason), .text(d.detail), .text(d.raw), .integer(output.epoch)])
            }
            try db.cached("""
                INSERT OR REPLACE INTO progress(tenant, epoch, source, position, order_mode, rows_read,
                    rows_processed, rows_rejected, rows_late, finished) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).run([t, .integer(output.epoch), .text(progress.source), .integer(progress.position),
                          .text(progress.orderMode), .integer(counters.rowsRead), .integer(counters.rowsProcessed),
                          .integer(counters.rowsRejected), .integer(counters.rowsLate),
                          .integer(output.watermarks.values.allSatisfy { $0 == .max } ? 1 : 0)])
            let queries = try db.cached("""
                INSERT OR REPLACE INTO query_progress(tenant, query, watermark, rows_late, rows_emitted)
                VALUES (?, ?, ?, ?, ?)
                """)
            for q in QueryName.allCases {
                let wm = output.watermarks[q] ?? .min
                try queries.run([t, .text(q.rawValue), wm == .min ? .null : .integer(wm),
                                 .integer(counters.lateByQuery[q] ?? 0), .integer(counters.emittedByQuery[q] ?? 0)])
            }
        }
    }

    /// Deletes this tenant's rows (a fresh replay into an existing mirror).
    public func clearTenant() throws {
        try db.transaction {
            for table in MirrorSchema.allTables {
                try db.prepare("DELETE FROM \(table) WHERE tenant = ?").run([.text(tenant)])
            }
        }
    }

    /// Every table of this tenant as sorted text lines: equal dumps mean equal mirrors.
    public static func canonicalDump(_ db: SQLiteDatabase, tenant: String, tables: [String] = MirrorSchema.allTables) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for table in tables {
            let rows = try db.rows("SELECT * FROM \(table) WHERE tenant = ? ORDER BY 1, 2, 3, 4", [.text(tenant)])
            out[table] = rows.map { $0.map(\.description).joined(separator: "|") }.sorted()
        }
        return out
    }
}
