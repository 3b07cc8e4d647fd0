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

    /// Called after each commit in WAL mode with the number of frames in the write-ahead log. Setting it turns
    /// off SQLite's automatic checkpoint on this connection (`wal_autocheckpoint` uses the same hook): the
    /// handler decides when the log is copied back. It runs on the committing thread once the write lock is
    /// released; like SQLite's own automatic checkpoint it may checkpoint this connection (`checkpointPassive`),
    /// but must run no other statement on it.
    public func onWALCommit(_ handler: @escaping (Int) -> Void) {
        let box = WALHookBox(handler)
        walHook = box
        sqlite3_wal_hook(handle, { context, _, _, frames in
            Unmanaged<WALHookBox>.fromOpaque(context!).takeUnretainedValue().handler(Int(frames))
            return SQLITE_OK
        }, Unmanaged.passUnretained(box).toOpaque())
    }

    final class WALHookBox {
        let handler: (Int) -> Void
        init(_ handler: @escaping (Int) -> Void) { self.handler = handler }
    }
    /// Keeps the hook's handler alive as long as the connection.
    var walHook: WALHookBox?

    /// `PRAGMA wal_checkpoint(PASSIVE)`: copies what no reader still needs from the log back into the database
    /// without waiting for any lock. Returns (frames in the log, frames copied).
    @discardableResult
    public func checkpointPassive() throws -> (log: Int, copied: Int) {
        var log: Int32 = 0, copied: Int32 = 0
        let rc = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, &log, &copied)
        guard rc == SQLITE_OK || rc == SQLITE_BUSY else { throw error(rc, sql: "PRAGMA wal_checkpoint(PASSIVE)") }
        return (Int(log), Int(copied))
    }
}
