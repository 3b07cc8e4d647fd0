import Foundation

/// Deterministic crash points for recovery testing, armed only by the environment variable
/// `TRIPSTREAM_CRASH_AT=point:N`: the process `_exit`s (no cleanup, like kill -9) the N-th time `point`
/// is reached. Unarmed, `reach` is one comparison.
public enum CrashPoint: String, Sendable, CaseIterable {
    /// Halfway through reading an epoch's records.
    case midEpoch = "mid-epoch"
    /// Inside the SQLite epoch transaction, after all its writes, before COMMIT.
    case beforeSQLiteCommit = "before-sqlite-commit"
    /// After the SQLite commit, before the LMDB checkpoint begins.
    case afterSQLiteCommit = "after-sqlite-commit"
    /// Inside the LMDB checkpoint transaction, after its writes, before commit.
    case beforeLMDBCommit = "before-lmdb-commit"
    /// After the LMDB checkpoint commit.
    case afterLMDBCommit = "after-lmdb-commit"
    /// In the external sort's first pass (every 1000 records read).
    case duringSort = "during-sort"
}

public enum CrashPoints {
    /// Exit status of a deliberate crash.
    public static let exitCode: Int32 = 86
    public static let environmentVariable = "TRIPSTREAM_CRASH_AT"

    static let armed: (point: CrashPoint, count: Int)? = {
        guard let spec = ProcessInfo.processInfo.environment[environmentVariable] else { return nil }
        let parts = spec.split(separator: ":")
        guard parts.count == 2, let point = CrashPoint(rawValue: String(parts[0])), let n = Int(parts[1]), n >= 1 else {
            FileHandle.standardError.write(Data("tripstream: ignoring malformed \(environmentVariable)=\(spec) (expected point:N)\n".utf8))
            return nil
        }
        return (point, n)
    }()

    nonisolated(unsafe) static var reached = 0
    static let lock = NSLock()

    @inline(__always)
    public static func reach(_ point: CrashPoint) {
        guard let armed, armed.point == point else { return }
        let crash = lock.withLock {
            reached += 1
            return reached == armed.count
        }
        if crash { _exit(exitCode) }
    }
}
