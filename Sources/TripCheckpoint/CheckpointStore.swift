import Foundation
import TripCore
import TripLMDB

/// The LMDB environment in a state directory: the config fingerprint and format (`meta`), the latest
/// checkpoint (`checkpoint`), the external sort's progress (`sort`) and `run`'s epoch cuts decided by time
/// (`cuts`). Every save is one write transaction, so a crash leaves either the previous checkpoint or the new
/// one, never a mix.
public final class CheckpointStore: @unchecked Sendable {
    /// The layout this build writes (`CheckpointRecord`). It also reads format 1: a state left by an older
    /// build resumes instead of losing its progress, and its first save here upgrades it.
    static let formatVersion: Int64 = 2
    let directory: String
    let env: LMDBEnvironment
    let meta: LMDBDatabase
    let checkpoint: LMDBDatabase
    let sort: LMDBDatabase
    let cuts: LMDBDatabase

    /// Opens (creating it if needed) the state in `directory` for a replay or run whose configuration has
    /// `fingerprint`. A state written under another fingerprint is refused unless `reset` wipes it: resuming
    /// it would mix results of two configurations. Every commit is fsynced (a checkpoint must survive power loss).
    public init(directory: String, fingerprint: String, reset: Bool) throws {
        self.directory = directory
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDir) {
            guard isDir.boolValue else { throw CheckpointError("the state path \(directory) is a file, not a directory") }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            } catch {
                throw CheckpointError("cannot create the state directory \(directory): \(error.localizedDescription)")
            }
        }
        do {
            env = try LMDBEnvironment(path: directory, mapSize: 4 << 30)
        } catch let e as LMDBError {
            if e.isNotLMDB || e.code == -30796 /* MDB_CORRUPTED */ {
                throw CheckpointError("\(directory) holds a damaged or foreign checkpoint file (\(e.message)); "
                                      + "move it away or use another --state directory")
            }
            throw CheckpointError("cannot open the checkpoint state in \(directory): \(e.message)")
        }
        // A valid LMDB environment that is not ours: its main database lists other names.
        let names: [String] = try env.read { txn in
            let cursor = try txn.cursor(try txn.mainDatabase())
            var out: [String] = []
            var entry = try cursor.first()
            while let e = entry {
                out.append(String(decoding: e.key, as: UTF8.self))
                entry = try cursor.next()
            }
            return out
        }
        let ours: Set<String> = ["meta", "checkpoint", "sort", "cuts"]
        if !names.isEmpty && !Set(names).isSubset(of: ours) {
            throw CheckpointError("\(directory) holds an LMDB environment that is not tripstream state "
                                  + "(databases: \(names.joined(separator: ", "))); use another --state directory")
        }
        meta = try env.database(named: "meta", create: true)
        checkpoint = try env.database(named: "checkpoint", create: true)
        sort = try env.database(named: "sort", create: true)
        cuts = try env.database(named: "cuts", create: true)
        if reset {
            try clear()
        }
        let (format, stored) = try env.read { txn in
            (try txn.get(meta, Self.key("format")).map(Self.int), try txn.get(meta, Self.key("fingerprint")))
        }
        if let format, !(1...Self.formatVersion).contains(format) {
            throw CheckpointError("the state in \(directory) has format \(format); this build reads format "
                                  + "\(Self.formatVersion). Use a new --state directory or --reset")
        }
        if let stored, stored != Self.key(fingerprint) {
            throw CheckpointError("the state in \(directory) was written by a replay with a different configuration "
                + "(query windows, watermarks, modes, epoch size, order or tenant changed). Resuming it would mix "
                + "results: use a new --state directory, or --reset to discard it and start from the beginning")
        }
        if stored == nil {
            try write { txn in
                try txn.put(meta, Self.key("format"), Self.bytes(Self.formatVersion))
                try txn.put(meta, Self.key("fingerprint"), Self.key(fingerprint))
            }
        }
    }

    /// Discards every checkpoint, sort progress and the fingerprint (the next open writes a new one).
    private func clear() throws {
        try write { txn in
            try txn.clear(meta)
            try txn.clear(checkpoint)
            try txn.clear(sort)
            try txn.clear(cuts)
        }
    }

    /// Forgets the checkpoint and the sort's progress (a finished replay, or a fresh start), keeping the
    /// fingerprint, and deletes the sort's run files.
    public func discardProgress() throws {
        try write { txn in
            try txn.clear(checkpoint)
            try txn.clear(sort)
            try txn.clear(cuts)
        }
        if let files = try? FileManager.default.contentsOfDirectory(atPath: sortDirectory) {
            for f in files where f.hasPrefix("run-") { try? FileManager.default.removeItem(atPath: sortDirectory + "/" + f) }
        }
    }

    /// The latest checkpoint, or nil when there is none (a fresh state, or its progress discarded).
    public func load() throws -> Checkpoint? {
        try env.read { txn in
            let format = try txn.get(meta, Self.key("format")).map(Self.int) ?? Self.formatVersion
            return try CheckpointRecord.read(format: format, txn: txn, db: checkpoint, directory: directory)
        }
    }

    /// Saves a checkpoint: one write transaction, committed durably before this returns. A format-1 state
    /// is rewritten in the current format in the same transaction, so it is never half upgraded.
    /// `beforeCommit` runs inside the transaction after its writes (a crash point for tests).
    public func save(_ c: Checkpoint, beforeCommit: () -> Void = {}) throws {
        try write { txn in
            defer { beforeCommit() }
            if let format = try txn.get(meta, Self.key("format")).map(Self.int), format != Self.formatVersion {
                for k in CheckpointRecord.formatOneKeys { _ = try txn.delete(checkpoint, Self.key(k)) }
                try txn.put(meta, Self.key("format"), Self.bytes(Self.formatVersion))
            }
            try CheckpointRecord.write(c, txn: txn, db: checkpoint)
            // Logged cuts up to this epoch are done with: its state is what a restart starts from.
            let cursor = try txn.cursor(cuts)
            var done: [[UInt8]] = []
            var entry = try cursor.first()
            while let e = entry, Self.int(e.key) <= c.epoch {
                done.append(e.key)
                entry = try cursor.next()
            }
            cursor.close()
            for key in done { _ = try txn.delete(cuts, key) }
        }
    }

    /// Logs where `run` ends epoch `epoch` in each partition (the next offsets), before the epoch's results
    /// are written: for a cut decided by time rather than by the data alone, which a restart could not
    /// otherwise repeat. Durable when this returns.
    public func logCut(epoch: Int64, endOffsets: [Int64]) throws {
        try write { txn in try txn.put(cuts, Self.bytes(epoch), endOffsets.flatMap(Self.bytes)) }
    }

    /// The logged cuts of epochs after `epoch` (the checkpoint's), by epoch.
    public func loggedCuts(after epoch: Int64) throws -> [Int64: [Int64]] {
        try env.read { txn in
            let cursor = try txn.cursor(cuts)
            defer { cursor.close() }
            var out: [Int64: [Int64]] = [:]
            var entry = try cursor.seek(Self.bytes(epoch + 1))
            while let e = entry {
                guard e.value.count % 8 == 0 else { throw CheckpointError("a damaged epoch cut in \(directory); use --reset") }
                out[Self.int(e.key)] = stride(from: 0, to: e.value.count, by: 8).map { Self.int(Array(e.value[$0..<$0 + 8])) }
                entry = try cursor.next()
            }
            return out
        }
    }

    /// The external sort's progress, so a crash during a long first pass resumes at its last complete run.
    public func loadSortManifest() throws -> SortManifest? {
        try env.read { txn in
            guard let runs = try txn.get(sort, Self.key("runs")),
                  let offset = try txn.get(sort, Self.key("input_offset")),
                  let records = try txn.get(sort, Self.key("records")),
                  let complete = try txn.get(sort, Self.key("complete")) else { return nil }
            return SortManifest(runs: Int(Self.int(runs)), inputOffset: Self.int(offset), records: Self.int(records),
                                complete: Self.int(complete) != 0)
        }
    }

    /// Saves the sort's progress after a run file is complete (the run itself is already on disk).
    public func saveSortManifest(_ m: SortManifest) throws {
        try write { txn in
            try txn.put(sort, Self.key("runs"), Self.bytes(Int64(m.runs)))
            try txn.put(sort, Self.key("input_offset"), Self.bytes(m.inputOffset))
            try txn.put(sort, Self.key("records"), Self.bytes(m.records))
            try txn.put(sort, Self.key("complete"), Self.bytes(m.complete ? 1 : 0))
        }
    }

    /// Directory for the external sort's run files (kept with the state so a restart can reuse them).
    public var sortDirectory: String {
        let dir = directory + "/sort"
        try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// A write transaction whose failure names a full disk when the state's file system has no room left
    /// (LMDB then reports what the write returned, e.g. an I/O error, which does not say why).
    func write<T>(_ body: (LMDBTransaction) throws -> T) throws -> T {
        do {
            return try env.write(body)
        } catch let error as LMDBError {
            var fs = statvfs()
            if statvfs(directory, &fs) == 0, UInt64(fs.f_bavail) * UInt64(fs.f_frsize) < 1 << 20 {
                throw CheckpointError("cannot write the checkpoint state in \(directory): the disk is full "
                                      + "(\(UInt64(fs.f_bavail) * UInt64(fs.f_frsize)) bytes free; \(error.message))")
            }
            throw error
        }
    }

    static func key(_ s: String) -> [UInt8] { Array(s.utf8) }
    /// Big-endian, so numeric keys would sort as numbers.
    static func bytes(_ v: Int64) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }
    static func int(_ b: [UInt8]) -> Int64 { b.count == 8 ? Int64(bigEndian: b.withUnsafeBytes { $0.loadUnaligned(as: Int64.self) }) : -1 }
}
