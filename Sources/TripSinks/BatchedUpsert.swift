import TripSQLite

/// Upserts rows into one table with multi-row `INSERT OR REPLACE … VALUES (…), (…), …` statements:
/// SQLite's per-statement work (setup, cursor open, reset) is paid once per batch instead of once per row.
struct BatchedUpsert {
    let prefix: String
    let rowSQL: String
    let columns: Int32
    let batchSize: Int

    /// - Parameters:
    ///   - columns: the bound columns, in order.
    ///   - fixed: columns with the same SQL literal in every row (the tenant: validated to letters, digits
    ///     and `_-.`, so safe as a literal).
    init(table: String, columns: [String], fixed: [(column: String, literal: String)], batchSize: Int = 64) {
        prefix = "INSERT OR REPLACE INTO \(table)(" + (fixed.map(\.column) + columns).joined(separator: ", ") + ") VALUES "
        rowSQL = "(" + (fixed.map(\.literal) + columns.map { _ in "?" }).joined(separator: ", ") + ")"
        self.columns = Int32(columns.count)
        self.batchSize = batchSize
    }

    /// Writes `rows`; `bind(row, statement, first)` binds one row's columns from parameter index `first` on.
    func write<Row>(_ rows: [Row], in db: SQLiteDatabase, bind: (Row, SQLiteStatement, Int32) throws -> Void) throws {
        var i = 0
        if rows.count >= batchSize {
            let batch = try db.cached(prefix + Array(repeating: rowSQL, count: batchSize).joined(separator: ", "))
            while i + batchSize <= rows.count {
                for k in 0..<batchSize { try bind(rows[i + k], batch, Int32(k) * columns + 1) }
                try batch.execute()
                i += batchSize
            }
        }
        guard i < rows.count else { return }
        let single = try db.cached(prefix + rowSQL)
        while i < rows.count {
            try bind(rows[i], single, 1)
            try single.execute()
            i += 1
        }
    }
}
