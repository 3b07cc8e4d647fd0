import CSQLite

/// One SQLite connection (`sqlite3*`), closed in `deinit`. Not thread-safe: owned by one task.
public final class SQLiteDatabase {
    let handle: OpaquePointer
    public let path: String
    var cache: [String: SQLiteStatement] = [:]

    /// Process-wide settings applied once, before the first connection.
    static let configured: Bool = {
        _ = tripstream_sqlite_disable_memstatus()
        return true
    }()

    /// Opens (creating if needed, unless `readOnly`) the database file at `path`.
    public init(path: String, readOnly: Bool = false) throws {
        _ = Self.configured
        var db: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let rc = sqlite3_open_v2(path, &db, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: "\(message): \(path)")
        }
        sqlite3_extended_result_codes(db, 1)
        sqlite3_busy_timeout(db, 5000)
        self.handle = db
        self.path = path
    }

    deinit {
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    func error(_ rc: Int32, sql: String?) -> SQLiteError {
        SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }

    /// Runs one or more statements without results.
    public func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &message)
        if rc != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? "error"
            sqlite3_free(message)
            throw SQLiteError(code: rc, message: text, sql: sql)
        }
    }

    /// A prepared statement, cached by SQL text (prepared once per connection).
    public func cached(_ sql: String) throws -> SQLiteStatement {
        if let s = cache[sql] {
            s.reset()
            return s
        }
        let s = try SQLiteStatement(database: self, sql: sql, persistent: true)
        cache[sql] = s
        return s
    }

    /// A new prepared statement (not cached).
    public func prepare(_ sql: String) throws -> SQLiteStatement {
        try SQLiteStatement(database: self, sql: sql, persistent: false)
    }

    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws (the error is rethrown).
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            try? execute("ROLLBACK")
            throw error
        }
    }

    /// Rows of a query as arrays of values (CLI output, tests).
    public func rows(_ sql: String, _ arguments: [SQLiteValue] = []) throws -> [[SQLiteValue]] {
        let s = try prepare(sql)
        try s.bind(arguments)
        var out: [[SQLiteValue]] = []
        while try s.step() {
            out.append((0..<s.columnCount).map { s.value(at: $0) })
        }
        return out
    }

    /// The first column of the first row, if any.
    public func scalar(_ sql: String, _ arguments: [SQLiteValue] = []) throws -> SQLiteValue? {
        try rows(sql, arguments).first?.first
    }

    public var changes: Int { Int(sqlite3_changes(handle)) }
}
