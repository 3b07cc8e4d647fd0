import Foundation
import TripSQLite

/// Copies the mirror's write-ahead log back into the database on a thread of its own, so that no epoch commit
/// pays for it. SQLite's automatic checkpoint runs inside the commit that pushes the log past 1 000 pages: it
/// copies them and syncs both files, so in a live `run` the epoch whose commit does it takes many times as long
/// as the others, which shows in the p99 latency (docs/performance.md).
///
/// The writer's commit hook (`committed`) wakes the thread once the log holds `threshold` pages; the thread
/// runs a passive checkpoint on its own connection (it waits for no lock and never blocks the writer, which
/// goes on appending meanwhile). SQLite starts the log over from its beginning at the first transaction after
/// a checkpoint that copied all of it — which a writer that never pauses (a replay, a run catching up) does
/// not leave time for: the frames it appends meanwhile are not copied. So once the log holds `limit` pages the
/// writer waits for the thread's current copy and checkpoints the rest itself, as SQLite would have done at
/// `threshold`, which bounds the log. Nothing about durability changes: committed transactions are in the log
/// either way.
final class WALCheckpointer: @unchecked Sendable {
    let path: String
    let threshold: Int
    let limit: Int
    private let condition = NSCondition()
    private var pending = false
    private var stopping = false
    private var stopped = false
    /// The last error of a background checkpoint (it is retried at the next request; a writer never fails for it).
    var lastError: Error? { condition.withLock { failure } }
    private var failure: Error?
    /// Checkpoints run (tests).
    var runs: Int { condition.withLock { completed } }
    private var completed = 0

    /// Whether the thread runs (it starts at the first request).
    private var started = false

    init(path: String, threshold: Int, limit: Int) {
        self.path = path
        self.threshold = threshold
        self.limit = max(limit, threshold)
    }

    /// From the writer's commit hook: the log now holds `frames` pages. True when the writer should
    /// checkpoint itself (the log reached `limit`).
    func committed(frames: Int) -> Bool {
        guard frames >= threshold else { return false }
        if frames >= limit { return true }
        condition.withLock {
            if !started && !stopping {
                started = true
                let thread = Thread { [self] in self.loop() }
                thread.name = "tripstream-wal-checkpoint"
                thread.start()
            }
            pending = true
            condition.signal()
        }
        return false
    }

    /// Waits until the thread is not copying (so that the writer's own checkpoint is not refused as busy and
    /// has only the rest of the log to copy).
    func waitIdle() {
        condition.withLock { while busy { condition.wait() } }
    }
    private var busy = false

    /// Waits until every request so far is served (tests: a writer that pauses long enough).
    func waitUntilCaughtUp() {
        condition.withLock { while (pending || busy) && !stopping { condition.wait() } }
    }

    /// Ends the thread (a last checkpoint happens when the writer's connection closes, as SQLite does).
    func stop() {
        condition.withLock {
            stopping = true
            guard started else { return }
            condition.broadcast()
            while !stopped { condition.wait() }
        }
    }

    private func loop() {
        var db: SQLiteDatabase?
        while true {
            let stop = condition.withLock {
                while !pending && !stopping { condition.wait() }
                if stopping { return true }
                pending = false
                busy = true
                return false
            }
            if stop {
                // Closed (outside the lock: closing may write) before `stop` returns, so before the writer's
                // connection, whose close then checkpoints and removes the log.
                db = nil
                condition.withLock {
                    stopped = true
                    condition.broadcast()
                }
                return
            }
            do {
                if db == nil {
                    let connection = try SQLiteDatabase(path: path)
                    // A connection opens the log at its first read; before that SQLite 3.40 checkpoints nothing.
                    _ = try connection.scalar("SELECT count(*) FROM sqlite_master")
                    db = connection
                }
                try db!.checkpointPassive()
                condition.withLock { completed += 1; busy = false; condition.broadcast() }
            } catch {
                condition.withLock { failure = error; busy = false; condition.broadcast() }
                db = nil
            }
        }
    }
}
