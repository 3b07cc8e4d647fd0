import TripCore
import TripSQL
import TripSQLite

/// The mirror's record of the SQL queries whose tables it holds: `sql_queries(name, sql)` with each query's
/// normalized SQL, so readers (`tripstream query`, the HTTP API, the dashboard) know a query's outputs from the
/// mirror alone, without the configuration that made it. Made only once a SQL query ran, so a mirror of the
/// built-ins alone is as before.
public enum SQLQueryRegistry {
    static let ddl = "CREATE TABLE IF NOT EXISTS sql_queries(name TEXT PRIMARY KEY, sql TEXT NOT NULL) WITHOUT ROWID"

    static func record(_ tables: [QueryTable], in db: SQLiteDatabase) throws {
        guard !tables.isEmpty else { return }
        try db.execute(ddl)
        for t in tables {
            try db.prepare("INSERT OR REPLACE INTO sql_queries(name, sql) VALUES (?, ?)")
                .run([.text(t.name), .text(t.query.normalizedSQL)])
        }
    }

    /// The names of the SQL queries the mirror holds, sorted.
    public static func names(in db: SQLiteDatabase) throws -> [String] {
        guard try hasRegistry(db) else { return [] }
        return try db.rows("SELECT name FROM sql_queries ORDER BY name").compactMap { $0[0].string }
    }

    /// The table of the SQL query `name`, or nil when the mirror holds none of that name.
    public static func table(named name: String, in db: SQLiteDatabase) throws -> QueryTable? {
        guard try hasRegistry(db),
              let sql = try db.rows("SELECT sql FROM sql_queries WHERE name = ?", [.text(name)]).first?.first?.string
        else { return nil }
        return QueryTable(try QueryAnalyzer.compile(sql, name: name))
    }

    static func hasRegistry(_ db: SQLiteDatabase) throws -> Bool {
        try db.scalar("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'sql_queries'")?.int64 == 1
    }
}
