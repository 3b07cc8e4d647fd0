import TripCore
import TripFixtures
import TripSQLite

/// Loads the generator's truth rows into a `truth` table: the independent side of end-to-end checks.
public func loadTruth(_ truths: [TruthTrip], into db: SQLiteDatabase) throws {
    try db.execute("""
    DROP TABLE IF EXISTS truth;
    CREATE TABLE truth(trip_id TEXT PRIMARY KEY, t INTEGER NOT NULL, day TEXT NOT NULL, fare INTEGER, tips INTEGER,
                       total INTEGER, area INTEGER, location TEXT);
    """)
    try db.transaction {
        let insert = try db.prepare("INSERT INTO truth VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
        for t in truths {
            try insert.run([.text(t.tripID), .integer(t.eventTimeSeconds), .text(t.localDay),
                            t.fareCents.map(SQLiteValue.integer) ?? .null, t.tipsCents.map(SQLiteValue.integer) ?? .null,
                            t.tripTotalCents.map(SQLiteValue.integer) ?? .null,
                            t.communityArea.map { .integer(Int64($0)) } ?? .null, t.location.map(SQLiteValue.text) ?? .null])
        }
    }
}

/// Plain SQL GROUP BY over the truth rows, per query, in the mirror's column layout. Rows that the mirror
/// dead-lettered as late for a query are excluded from that query (matched by Trip ID in the raw line).
public enum IndependentResults {
    public static func excludeLate(_ q: QueryName) -> String {
        "trip_id NOT IN (SELECT substr(raw, 1, 40) FROM dead_letters WHERE query = '\(q.rawValue)')"
    }

    public static func sumFare(_ db: SQLiteDatabase, window: Int64) throws -> [String] {
        try lines(db, """
        SELECT t - (t % \(window)) AS ws, t - (t % \(window)) + \(window), SUM(fare) / 100.0, SUM(tips) / 100.0,
               SUM(total) / 100.0, COUNT(*), 1
        FROM truth WHERE \(excludeLate(.sumFareWindow)) GROUP BY ws ORDER BY ws
        """)
    }

    public static func tripsTotal(_ db: SQLiteDatabase) throws -> [String] {
        try lines(db, """
        SELECT day, COUNT(*), SUM(fare) / 100.0,
               CASE WHEN COUNT(tips) > 0 THEN ((2 * SUM(tips) + COUNT(tips)) / (2 * COUNT(tips))) / 100.0 END,
               CASE WHEN COUNT(total) > 0 THEN ((2 * SUM(total) + COUNT(total)) / (2 * COUNT(total))) / 100.0 END, 1
        FROM truth WHERE \(excludeLate(.tripsTotal)) GROUP BY day ORDER BY day
        """)
    }

    /// Sliding windows: a row is in every window [ws, ws + length) with ws ≡ 0 (mod slide) containing t.
    public static func hotspots(_ db: SQLiteDatabase, column: String, query: QueryName, length: Int64, slide: Int64) throws -> [String] {
        let k = (length + slide - 1) / slide
        return try lines(db, """
        WITH RECURSIVE ks(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM ks WHERE k + 1 < \(k)),
        w AS (SELECT t - (t % \(slide)) - k * \(slide) AS ws, \(column) AS g FROM truth, ks
              WHERE \(column) IS NOT NULL AND t - (t % \(slide)) - k * \(slide) + \(length) > t AND \(excludeLate(query)))
        SELECT ws, ws + \(length), g, COUNT(*), 1 FROM w GROUP BY ws, g ORDER BY ws, g
        """)
    }

    public static func lines(_ db: SQLiteDatabase, _ sql: String) throws -> [String] {
        try db.rows(sql).map { $0.map(\.description).joined(separator: "|") }
    }
}

/// The mirror's rows of a query, in the same layout as `IndependentResults`.
public enum MirrorRows {
    public static func sumFare(_ db: SQLiteDatabase, tenant: String) throws -> [String] {
        try IndependentResults.lines(db, "SELECT window_start, window_end, total_fare, tips_fare, total_trip_total, trips, final FROM sum_fare_window WHERE tenant = '\(tenant)' ORDER BY window_start")
    }
    public static func tripsTotal(_ db: SQLiteDatabase, tenant: String) throws -> [String] {
        try IndependentResults.lines(db, "SELECT day, trips_total, fare_total, tips_avg, trip_total_avg, final FROM trips_total WHERE tenant = '\(tenant)' ORDER BY day")
    }
    public static func community(_ db: SQLiteDatabase, tenant: String) throws -> [String] {
        try IndependentResults.lines(db, "SELECT window_start, window_end, pickup_community_area, count, final FROM hotspot_community_window WHERE tenant = '\(tenant)' ORDER BY window_start, pickup_community_area")
    }
    public static func location(_ db: SQLiteDatabase, tenant: String) throws -> [String] {
        try IndependentResults.lines(db, "SELECT window_start, window_end, pickup_centroid_location, count, final FROM hotspot_window WHERE tenant = '\(tenant)' ORDER BY window_start, pickup_centroid_location")
    }
}
