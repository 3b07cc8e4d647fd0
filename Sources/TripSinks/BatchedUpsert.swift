import TripSQLite

/// Upserts rows into one table with multi-row `INSERT … VALUES (…), (…), …` statements: SQLite's
/// per-statement work (setup, cursor open, reset) is paid once per batch instead of once per row.
///
/// A batch is first tried as `INSERT OR IGNORE`; only when SQLite reports fewer rows inserted than the batch
/// holds (some keys exist: update mode, or an epoch applied again after a restart) is it run again as
/// `INSERT OR REPLACE`, and so are the rest of that call's batches. The final rows are the same as with
/// `INSERT OR REPLACE` alone, but the common case — new keys — is cheaper: inside a transaction SQLite gives
/// every multi-row statement that may abort or replace half-way a statement journal (a copy of each page it
/// changes, in a temporary file once past 64 KiB), and `OR IGNORE` needs none. A 1 M-row replay made ~54 000
/// such 16 KiB writes to /var/tmp without this.
struct BatchedUpsert {
    let ignorePrefix: String
    let replacePrefix: String
    let rowSQL: String
    let columns: Int32
    let batchSize: Int

    /// - Parameters:
    ///   - columns: the bound columns, in order.
    ///   - fixed: columns with the same SQL literal in every row (the tenant: validated to letters, digits
    ///     and `_-.`, so safe as a literal).
    init(table: String, columns: [String], fixed: [(column: String, literal: String)], batchSize: Int = 64) {
        let target = "INTO \(table)(" + (fixed.map(\.column) + columns).joined(separator: ", ") + ") VALUES "
        ignorePrefix = "INSERT OR IGNORE " + target
        replacePrefix = "INSERT OR REPLACE " + target
        rowSQL = "(" + (fixed.map(\.literal) + columns.map { _ in "?" }).joined(separator: ", ") + ")"
        self.columns = Int32(columns.count)
        self.batchSize = batchSize
    }

    /// Writes `rows`; `bind(row, statement, first)` binds one row's columns from parameter index `first` on.
    func write<Row>(_ rows: [Row], in db: SQLiteDatabase, bind: (Row, SQLiteStatement, Int32) throws -> Void) throws {
        var i = 0
        if rows.count >= batchSize {
            let values = Array(repeating: rowSQL, count: batchSize).joined(separator: ", ")
            let insert = try db.cached(ignorePrefix + values)
            var replace: SQLiteStatement?
            while i + batchSize <= rows.count {
                if replace == nil {
                    for k in 0..<batchSize { try bind(rows[i + k], insert, Int32(k) * columns + 1) }
                    try insert.execute()
                    if db.changes == batchSize {
                        i += batchSize
                        continue
                    }
                    replace = try db.cached(replacePrefix + values)
                }
                let upsert = replace!
                for k in 0..<batchSize { try bind(rows[i + k], upsert, Int32(k) * columns + 1) }
                try upsert.execute()
                i += batchSize
            }
        }
        guard i < rows.count else { return }
        // One row per statement: no statement journal either way.
        let single = try db.cached(replacePrefix + rowSQL)
        while i < rows.count {
            try bind(rows[i], single, 1)
            try single.execute()
            i += 1
        }
    }
}
