#if canImport(Glibc)
import Glibc
#endif
import CLMDB

/// An LMDB environment (`MDB_env*`) in a directory, closed in `deinit`.
/// Write transactions are synchronous and must begin and end on one thread: `write` takes a closure and
/// never suspends inside it. Readers use `MDB_NOTLS`, so a read transaction is not tied to a thread.
public final class LMDBEnvironment: @unchecked Sendable {
    let handle: OpaquePointer
    public let path: String

    /// Opens (creating the files if missing) the environment in directory `path`, which must exist.
    /// - Parameters:
    ///   - mapSize: the largest the data file may grow (sparse: only used pages take disk space).
    ///   - durable: fsync on every commit (default). Off, a commit survives a process crash but not power loss.
    public init(path: String, mapSize: Int = 1 << 30, maxDatabases: UInt32 = 8, readOnly: Bool = false,
                durable: Bool = true) throws {
        var env: OpaquePointer?
        try check(mdb_env_create(&env), "mdb_env_create")
        guard let env else { throw LMDBError(ENOMEM, "mdb_env_create") }
        do {
            try check(mdb_env_set_mapsize(env, mapSize), "mdb_env_set_mapsize")
            try check(mdb_env_set_maxdbs(env, maxDatabases), "mdb_env_set_maxdbs")
            var flags = UInt32(MDB_NOTLS)
            if readOnly { flags |= UInt32(MDB_RDONLY) }
            if !durable { flags |= UInt32(MDB_NOSYNC) }
            try check(mdb_env_open(env, path, flags, 0o600), "opening \(path)")
        } catch {
            mdb_env_close(env)
            throw error
        }
        handle = env
        self.path = path
        try verifyFileCoversMap()
    }

    deinit { mdb_env_close(handle) }

    /// A data file shorter than the pages its meta page claims would fault (SIGBUS) when mapped pages are
    /// read: refuse it as corrupt instead.
    func verifyFileCoversMap() throws {
        var info = MDB_envinfo()
        var dbStat = MDB_stat()
        try check(mdb_env_info(handle, &info), "mdb_env_info")
        try check(mdb_env_stat(handle, &dbStat), "mdb_env_stat")
        var st = stat()
        guard lstat(path + "/data.mdb", &st) == 0 else { return }
        let needed = (Int(info.me_last_pgno) + 1) * Int(dbStat.ms_psize)
        if Int(st.st_size) < needed {
            throw LMDBError(MDB_CORRUPTED, "checking \(path)/data.mdb (\(st.st_size) bytes, pages need \(needed))")
        }
    }

    /// Runs `body` in a write transaction: committed when it returns, aborted when it throws.
    public func write<T>(_ body: (LMDBTransaction) throws -> T) throws -> T {
        let txn = try LMDBTransaction(environment: self, readOnly: false)
        do {
            let result = try body(txn)
            try txn.commit()
            return result
        } catch {
            txn.abort()
            throw error
        }
    }

    /// Runs `body` in a read-only transaction.
    public func read<T>(_ body: (LMDBTransaction) throws -> T) throws -> T {
        let txn = try LMDBTransaction(environment: self, readOnly: true)
        defer { txn.abort() }
        return try body(txn)
    }

    /// Opens (or, in a write transaction, creates) a named database. The handle stays valid for the
    /// environment's lifetime once the opening transaction commits.
    public func database(named name: String, create: Bool) throws -> LMDBDatabase {
        if create {
            return try write { try $0.openDatabase(name, create: true) }
        }
        // A handle opened in a read transaction survives only if that transaction commits, not aborts.
        let txn = try LMDBTransaction(environment: self, readOnly: true)
        do {
            let db = try txn.openDatabase(name, create: false)
            try txn.commit()
            return db
        } catch {
            txn.abort()
            throw error
        }
    }

    /// Flushes buffers to disk (needed only when opened with `durable: false`).
    public func sync() throws { try check(mdb_env_sync(handle, 1), "mdb_env_sync") }
}

/// A named database's handle (`MDB_dbi`).
public struct LMDBDatabase: Sendable, Equatable {
    let dbi: MDB_dbi
    public let name: String
}
