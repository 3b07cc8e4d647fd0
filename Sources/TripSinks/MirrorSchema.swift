/// The SQLite mirror's tables: the interface for users, later features and outside checks.
/// Every table has `tenant` and a primary key that makes each upsert idempotent; window bounds are
/// INTEGER Unix seconds; money is REAL currency units rounded to cents; `day` is `YYYY-MM-DD`.
/// `dead_letters.raw` is TEXT, or a BLOB of the record's exact bytes when they are not UTF-8 (a TEXT column
/// keeps a BLOB as it is, so mirrors made before hold both without a migration).
///
/// Version 2: `hotspot_window` is a view with version 1's columns over `hotspot_window_by_id`, whose key holds
/// an integer location id (`locations`) instead of the ~40-byte location text. Upserting the million rows of a
/// million-trip replay is the mirror's largest job, and integer keys made the whole replay markedly faster
/// (docs/performance.md).
public enum MirrorSchema {
    public static let version = 2

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
    CREATE TABLE IF NOT EXISTS locations(
        id INTEGER PRIMARY KEY, location TEXT NOT NULL UNIQUE);  -- shared by tenants; rows are never deleted
    CREATE TABLE IF NOT EXISTS hotspot_window_by_id(
        tenant TEXT NOT NULL, window_start INTEGER NOT NULL, window_end INTEGER NOT NULL,
        location_id INTEGER NOT NULL, count INTEGER NOT NULL, final INTEGER NOT NULL,
        PRIMARY KEY (window_start, window_end, location_id, tenant)) WITHOUT ROWID;
    \(hotspotView)
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
    \(topIndexes)
    """

    /// The largest windows/days first, for `top` (`MirrorQuery`). Part of `ddl`, which runs on every open, so
    /// a mirror made before them gets them then. One row per window or day: small beside the hotspot tables,
    /// whose `top` walks their window-first keys instead (an index there would cost every upsert).
    static let topIndexes = """
        CREATE INDEX IF NOT EXISTS sum_fare_window_top ON sum_fare_window(tenant, total_fare DESC, window_start);
        CREATE INDEX IF NOT EXISTS trips_total_top ON trips_total(tenant, trips_total DESC, day);
        """

    static let hotspotView = """
        CREATE VIEW IF NOT EXISTS hotspot_window AS
            SELECT h.tenant AS tenant, h.window_start AS window_start, h.window_end AS window_end,
                   l.location AS pickup_centroid_location, h.count AS count, h.final AS final
            FROM hotspot_window_by_id h JOIN locations l ON l.id = h.location_id;
        """

    /// Version 1 → 2, run after `ddl` in the same transaction (`ddl` has made the new tables; its view was a
    /// no-op beside the old table of that name): the location texts into `locations`, the rows into
    /// `hotspot_window_by_id`, the old table replaced by the view.
    static let migrationFrom1 = """
        INSERT INTO locations(location) SELECT DISTINCT pickup_centroid_location FROM hotspot_window ORDER BY 1;
        INSERT INTO hotspot_window_by_id
            SELECT h.tenant, h.window_start, h.window_end, l.id, h.count, h.final
            FROM hotspot_window h JOIN locations l ON l.location = h.pickup_centroid_location;
        DROP TABLE hotspot_window;
        \(hotspotView)
        UPDATE meta SET value = '2' WHERE key = 'schema_version';
        """

    /// Result tables in a stable order (canonical dumps compare them in this order); names users read.
    public static let resultTables = ["sum_fare_window", "trips_total", "hotspot_community_window", "hotspot_window"]
    public static let allTables = resultTables + ["dead_letters", "progress", "query_progress"]

    /// The table that stores what `table` shows (the view `hotspot_window` reads `hotspot_window_by_id`).
    public static func storage(of table: String) -> String { table == "hotspot_window" ? "hotspot_window_by_id" : table }
}
