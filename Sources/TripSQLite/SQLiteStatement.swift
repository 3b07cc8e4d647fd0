import CSQLite

/// A value read from or bound to SQLite.
public enum SQLiteValue: Sendable, Equatable, Hashable, CustomStringConvertible {
    case null
    case integer(Int64)
    case real(Double)
    case text(String)

    public var description: String {
        switch self {
        case .null: "NULL"
        case .integer(let v): String(v)
        case .real(let v): String(v)
        case .text(let v): v
        }
    }

    public var int64: Int64? {
        switch self {
        case .integer(let v): v
        case .real(let v): Int64(v)
        default: nil
        }
    }

    public var double: Double? {
        switch self {
        case .integer(let v): Double(v)
        case .real(let v): v
        default: nil
        }
    }

    public var string: String? {
        if case .text(let s) = self { return s }
        return nil
    }
}

/// A prepared statement (`sqlite3_stmt*`), finalized in `deinit`.
public final class SQLiteStatement {
    let handle: OpaquePointer
    unowned let database: SQLiteDatabase
    public let sql: String

    init(database: SQLiteDatabase, sql: String, persistent: Bool) throws {
        var stmt: OpaquePointer?
        let flags: UInt32 = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
        let rc = sqlite3_prepare_v3(database.handle, sql, -1, flags, &stmt, nil)
        guard rc == SQLITE_OK, let stmt else { throw database.error(rc, sql: sql) }
        self.handle = stmt
        self.database = database
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Binds values to parameters 1, 2, 3, …
    public func bind(_ values: [SQLiteValue]) throws {
        for (i, v) in values.enumerated() { try bind(v, at: Int32(i + 1)) }
    }

    public func bind(_ value: SQLiteValue, at index: Int32) throws {
        let rc: Int32
        switch value {
        case .null: rc = sqlite3_bind_null(handle, index)
        case .integer(let v): rc = sqlite3_bind_int64(handle, index, v)
        case .real(let v): rc = sqlite3_bind_double(handle, index, v)
        case .text(let s): rc = bindUTF8(s, at: index)
        }
        guard rc == SQLITE_OK else { throw database.error(rc, sql: sql) }
    }

    /// Binds a text as its UTF-8 bytes with their length: a NUL inside it is data (as a C string the text would
    /// end there, and a lookup by it would miss the row it was stored under).
    private func bindUTF8(_ text: String, at index: Int32) -> Int32 {
        var s = text
        return s.withUTF8 { bytes in
            // A nil pointer would bind NULL: the empty text has a pointer of its own.
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                return sqlite3_bind_text(handle, index, "", 0, tripstream_sqlite_transient())
            }
            return sqlite3_bind_text(handle, index, base, Int32(bytes.count), tripstream_sqlite_transient())
        }
    }

    // Typed binds for hot paths: no enum boxing, no C-string bridging (text is passed as UTF-8 with its length).

    public func bind(_ value: Int64, at index: Int32) throws {
        try check(sqlite3_bind_int64(handle, index, value))
    }

    public func bindNull(at index: Int32) throws {
        try check(sqlite3_bind_null(handle, index))
    }

    public func bind(_ value: Double?, at index: Int32) throws {
        try check(value.map { sqlite3_bind_double(handle, index, $0) } ?? sqlite3_bind_null(handle, index))
    }

    public func bind(text: String, at index: Int32) throws {
        try check(bindUTF8(text, at: index))
    }

    public func bind(blob: [UInt8], at index: Int32) throws {
        let rc = blob.withUnsafeBytes {
            sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), tripstream_sqlite_transient())
        }
        try check(rc)
    }

    /// Runs the bound statement to completion and resets it; bindings stay for the next run.
    public func execute() throws {
        defer { sqlite3_reset(handle) }
        while try step() {}
    }

    func check(_ rc: Int32) throws {
        guard rc == SQLITE_OK else { throw database.error(rc, sql: sql) }
    }

    /// Steps once: true when a row is available, false when done.
    @discardableResult
    public func step() throws -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        if rc == SQLITE_DONE { return false }
        throw database.error(rc, sql: sql)
    }

    /// Binds, runs to completion and resets (for INSERT/UPDATE).
    public func run(_ values: [SQLiteValue]) throws {
        sqlite3_reset(handle)
        try bind(values)
        while try step() {}
        sqlite3_reset(handle)
    }

    public var columnCount: Int { Int(sqlite3_column_count(handle)) }

    public func columnName(_ i: Int) -> String { String(cString: sqlite3_column_name(handle, Int32(i))) }

    public func value(at i: Int) -> SQLiteValue {
        let index = Int32(i)
        switch sqlite3_column_type(handle, index) {
        case SQLITE_INTEGER: return .integer(sqlite3_column_int64(handle, index))
        case SQLITE_FLOAT: return .real(sqlite3_column_double(handle, index))
        case SQLITE_NULL: return .null
        default:
            // Read by length, not up to a NUL: a stored text may hold one.
            guard let p = sqlite3_column_text(handle, index) else { return .null }
            let count = Int(sqlite3_column_bytes(handle, index))
            return .text(String(decoding: UnsafeBufferPointer(start: p, count: count), as: UTF8.self))
        }
    }
}
