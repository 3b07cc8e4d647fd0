#if canImport(Glibc)
import Glibc
#endif
import CLMDB

/// One LMDB transaction (`MDB_txn*`). Ended by `commit` or `abort` (also on deinit, as abort).
public final class LMDBTransaction {
    var handle: OpaquePointer?
    let environment: LMDBEnvironment
    public let readOnly: Bool

    init(environment: LMDBEnvironment, readOnly: Bool) throws {
        self.environment = environment
        self.readOnly = readOnly
        var txn: OpaquePointer?
        try check(mdb_txn_begin(environment.handle, nil, readOnly ? UInt32(MDB_RDONLY) : 0, &txn),
                  readOnly ? "beginning a read transaction" : "beginning a write transaction")
        handle = txn
    }

    deinit { abort() }

    func live() throws -> OpaquePointer {
        guard let handle else { throw LMDBError(EINVAL, "using a finished transaction") }
        return handle
    }

    public func commit() throws {
        let txn = try live()
        handle = nil
        try check(mdb_txn_commit(txn), "commit")
    }

    public func abort() {
        if let handle { mdb_txn_abort(handle) }
        handle = nil
    }

    func openDatabase(_ name: String, create: Bool) throws -> LMDBDatabase {
        var dbi = MDB_dbi()
        try check(mdb_dbi_open(try live(), name, create ? UInt32(MDB_CREATE) : 0, &dbi), "opening database \(name)")
        return LMDBDatabase(dbi: dbi, name: name)
    }

    /// The unnamed main database, whose keys are the names of the named databases.
    public func mainDatabase() throws -> LMDBDatabase {
        var dbi = MDB_dbi()
        try check(mdb_dbi_open(try live(), nil, 0, &dbi), "opening the main database")
        return LMDBDatabase(dbi: dbi, name: "(main)")
    }

    /// The value stored under `key`, or nil.
    public func get(_ db: LMDBDatabase, _ key: [UInt8]) throws -> [UInt8]? {
        let txn = try live()
        var k = key
        return try k.withUnsafeMutableBytes { kp -> [UInt8]? in
            var mk = MDB_val(mv_size: kp.count, mv_data: kp.baseAddress)
            var mv = MDB_val()
            let rc = mdb_get(txn, db.dbi, &mk, &mv)
            if rc == MDB_NOTFOUND { return nil }
            try check(rc, "get in \(db.name)")
            return Array(UnsafeRawBufferPointer(start: mv.mv_data, count: mv.mv_size))
        }
    }

    public func put(_ db: LMDBDatabase, _ key: [UInt8], _ value: [UInt8]) throws {
        let txn = try live()
        var k = key, v = value
        try k.withUnsafeMutableBytes { kp in
            try v.withUnsafeMutableBytes { vp in
                var mk = MDB_val(mv_size: kp.count, mv_data: kp.baseAddress)
                var mv = MDB_val(mv_size: vp.count, mv_data: vp.baseAddress)
                try check(mdb_put(txn, db.dbi, &mk, &mv, 0), "put in \(db.name)")
            }
        }
    }

    /// Deletes `key`; false when it was not there.
    @discardableResult
    public func delete(_ db: LMDBDatabase, _ key: [UInt8]) throws -> Bool {
        let txn = try live()
        var k = key
        return try k.withUnsafeMutableBytes { kp in
            var mk = MDB_val(mv_size: kp.count, mv_data: kp.baseAddress)
            let rc = mdb_del(txn, db.dbi, &mk, nil)
            if rc == MDB_NOTFOUND { return false }
            try check(rc, "delete in \(db.name)")
            return true
        }
    }

    /// Removes every key of the database (keeps the database).
    public func clear(_ db: LMDBDatabase) throws {
        try check(mdb_drop(try live(), db.dbi, 0), "clearing \(db.name)")
    }

    public func cursor(_ db: LMDBDatabase) throws -> LMDBCursor { try LMDBCursor(transaction: self, database: db) }
}

/// A cursor over one database inside a transaction; keys come in LMDB's byte order.
public final class LMDBCursor {
    var handle: OpaquePointer?
    let transaction: LMDBTransaction

    init(transaction: LMDBTransaction, database: LMDBDatabase) throws {
        self.transaction = transaction
        var c: OpaquePointer?
        try check(mdb_cursor_open(try transaction.live(), database.dbi, &c), "opening a cursor on \(database.name)")
        handle = c
    }

    deinit { close() }

    public func close() {
        if let handle, transaction.handle != nil { mdb_cursor_close(handle) }
        handle = nil
    }

    func move(_ op: MDB_cursor_op, key: [UInt8]? = nil) throws -> (key: [UInt8], value: [UInt8])? {
        guard let handle else { throw LMDBError(EINVAL, "using a closed cursor") }
        var k = key ?? []
        return try k.withUnsafeMutableBytes { kp in
            var mk = MDB_val(mv_size: kp.count, mv_data: kp.baseAddress)
            var mv = MDB_val()
            let rc = mdb_cursor_get(handle, &mk, &mv, op)
            if rc == MDB_NOTFOUND { return nil }
            try check(rc, "cursor move")
            return (Array(UnsafeRawBufferPointer(start: mk.mv_data, count: mk.mv_size)),
                    Array(UnsafeRawBufferPointer(start: mv.mv_data, count: mv.mv_size)))
        }
    }

    public func first() throws -> (key: [UInt8], value: [UInt8])? { try move(MDB_FIRST) }
    public func next() throws -> (key: [UInt8], value: [UInt8])? { try move(MDB_NEXT) }
    /// The first entry whose key is ≥ `key`.
    public func seek(_ key: [UInt8]) throws -> (key: [UInt8], value: [UInt8])? { try move(MDB_SET_RANGE, key: key) }
}
