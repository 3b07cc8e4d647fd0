/// The SQLite mirror's tables: the interface for users, later features and outside checks.
/// Every table has `tenant` and a primary key that makes each upsert idempotent; window bounds are
/// INTEGER Unix seconds; money is REAL currency units rounded to cents; `day` is `YYYY-MM-DD`.
public enum MirrorSchema {
    public static let version = 1

    public static let ddl = """
    CREATE TABLE IF NOT EXISTS sum_fare_window(
        tenant TEXT NOT NULL, window_start INTEGER NOT NULL, window_end INTEGER NOT NULL,
        total_fare REAL, tips_fare REAL, total_trip_total REAL, trips INTEGER NOT NULL, final INTEGER NOT NULL,
        PRIMARY KEY (window_start, window_end, tenant)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS trips_total(
        tenant TEXT NOT NULL, day TEXT NOT NULL,
        trips_total INTEGER NOT NULL, fare_total REAL, tips_avg REAL, trip_total_avg REAL, final INTEGER NOT NULL,
        PRIMARY KEY (day, tenant)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS hotspot_community_window(
        tenant TEXT NOT NULL, window_start INTEGER NOT NULL, window_end INTEGER NOT NULL,
        pickup_community_area INTEGER NOT NULL, count INTEGER NOT NULL, final INTEGER NOT NULL,
        PRIMARY KEY (window_start, window_end, pickup_community_area, tenant)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS hotspot_window(
        tenant TEXT NOT NULL, window_start INTEGER NOT NULL, window_end INTEGER NOT NULL,
        pickup_centroid_location TEXT NOT NULL, count INTEGER NOT NULL, final INTEGER NOT NULL,
        PRIMARY KEY (window_start, window_end, pickup_centroid_location, tenant)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS dead_letters(
        tenant TEXT NOT NULL, source TEXT NOT NULL, position INTEGER NOT NULL,
        query TEXT NOT NULL,            -- '' when rejected before any query; else the query that found it late
        reason TEXT NOT NULL,           -- 'late', or what is wrong with the record
        detail TEXT NOT NULL,           -- for late rows: event time and watermark
        raw TEXT NOT NULL, epoch INTEGER NOT NULL,
        PRIMARY KEY (tenant, source, position, query)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS progress(
        tenant TEXT NOT NULL PRIMARY KEY, epoch INTEGER NOT NULL, source TEXT NOT NULL,
        position INTEGER NOT NULL,      -- where the next epoch starts: byte offset (file order) or sorted ordinal
        order_mode TEXT NOT NULL,       -- 'file' or 'event-time'
        rows_read INTEGER NOT NULL, rows_processed INTEGER NOT NULL, rows_rejected INTEGER NOT NULL,
        rows_late INTEGER NOT NULL, finished INTEGER NOT NULL) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS query_progress(
        tenant TEXT NOT NULL, query TEXT NOT NULL,
        watermark INTEGER,              -- ms since the Unix epoch; NULL before the first row
        rows_late INTEGER NOT NULL, rows_emitted INTEGER NOT NULL,
        PRIMARY KEY (tenant, query)) WITHOUT ROWID;
    CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
    """

    /// Result tables in a stable order (canonical dumps compare them in this order).
    public static let resultTables = ["sum_fare_window", "trips_total", "hotspot_community_window", "hotspot_window"]
    public static let allTables = resultTables + ["dead_letters", "progress", "query_progress"]
}
