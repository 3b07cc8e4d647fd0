import TripSQLite

/// Upserts rows into one table with multi-row `INSERT … VALUES (…), (…), …` statements: SQLite's
/// per-statement work (setup, cursor open, reset) is paid once per batch instead of once per row.
///
/// A batch is first tried as `INSERT OR IGNORE`; only when SQLite reports fewer rows inserted than the batch
/// holds (some keys exist: update mode, or an epoch applied again after a restart) is it run again as
/// `INSERT OR REPLACE`, and so are the rest of that call's batches. The final rows are the same as with
/// `INSERT OR REPLACE` alone, but the common case — new keys — is cheaper: inside a transaction SQLite gives
/// every multi-row statement that may abort or replace half-way a statement journal (a copy of each page it
/// changes, in a temporary file once past 64 KiB), and `OR IGNORE` needs none. Without this, a replay wrote
/// such journals to /var/tmp page by page.
final class BatchedUpsert {
    let ignorePrefix: String
    let replacePrefix: String
    let rowSQL: String
    let columns: Int32
    let batchSize: Int
    /// Prepared statements by batch size, `OR IGNORE` and `OR REPLACE` (from the database's cache, held here so
    /// that each batch does not build and hash its SQL again).
    var statements: [Int: (ignore: SQLiteStatement, replace: SQLiteStatement)] = [:]

    /// - Parameters:
    ///   - columns: the bound columns, in order.
    ///   - fixed: columns with the same SQL literal in every row (the tenant: validated to letters, digits
    ///     and `_-.`, so safe as a literal).
    init(table: String, columns: [String], fixed: [(column: String, literal: String)], batchSize: Int = 256) {
        let target = "INTO \(table)(" + (fixed.map(\.column) + columns).joined(separator: ", ") + ") VALUES "
        ignorePrefix = "INSERT OR IGNORE " + target
        replacePrefix = "INSERT OR REPLACE " + target
        rowSQL = "(" + (fixed.map(\.literal) + columns.map { _ in "?" }).joined(separator: ", ") + ")"
        self.columns = Int32(columns.count)
        self.batchSize = batchSize
    }

    /// Writes `rows`; `bind(row, statement, first)` binds one row's columns from parameter index `first` on.
    func write<Row>(_ rows: [Row], in db: SQLiteDatabase, bind: (Row, SQLiteStatement, Int32) throws -> Void) throws {
        try write(count: rows.count, in: db) { i, s, first in try bind(rows[i], s, first) }
    }

    /// Writes rows 0 ..< `count`; `bind(i, statement, first)` binds row i's columns from parameter index `first` on.
    func write(count: Int, in db: SQLiteDatabase, bind: (Int, SQLiteStatement, Int32) throws -> Void) throws {
        var i = 0
        var replacing = false
        // Full batches, then the rest in batches of a quarter size, and so on down to single rows (an epoch's
        // last rows of a table would otherwise cost a statement each).
        var size = batchSize
        while i < count {
            guard count - i >= size else { size = max(1, size / 4); continue }
            let pair = try statements(size: size, in: db)
            if !replacing {
                for k in 0..<size { try bind(i + k, pair.ignore, Int32(k) * columns + 1) }
                try pair.ignore.execute()
                if db.changes == size {
                    i += size
                    continue
                }
                replacing = true
            }
            for k in 0..<size { try bind(i + k, pair.replace, Int32(k) * columns + 1) }
            try pair.replace.execute()
            i += size
        }
    }

    func statements(size: Int, in db: SQLiteDatabase) throws -> (ignore: SQLiteStatement, replace: SQLiteStatement) {
        if let pair = statements[size] { return pair }
        let values = Array(repeating: rowSQL, count: size).joined(separator: ", ")
        let pair = (try db.cached(ignorePrefix + values), try db.cached(replacePrefix + values))
        statements[size] = pair
        return pair
    }
}
