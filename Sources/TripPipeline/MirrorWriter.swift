import Foundation
import TripCheckpoint
import TripCore
import TripEngine
import TripSinks

/// Applies epochs to the SQLite mirror on a thread of its own, strictly in epoch order, so that SQLite's
/// work overlaps with parsing and windowing of the next epoch (the machine has two cores). At most `depth`
/// epochs wait; the producer blocks beyond that, so memory stays bounded. The first error stops the writer
/// and is rethrown to the producer at its next `submit` or at `finish`.
///
/// Commit order for each epoch: (1) the SQLite transaction with its results, dead letters and progress,
/// (1b) with Kafka on, the result and dead-letter messages, all delivered, then (2) the LMDB checkpoint (state and source position as of the end of that epoch). A crash before (1)
/// leaves both at the previous checkpoint; between (1) and (2) the mirror holds one or more epochs past the
/// checkpoint, which the restart recomputes and upserts again with identical values and keys; after (2)
/// both agree. The checkpoint never gets ahead of the mirror, so no result can be lost.
final class MirrorWriter: @unchecked Sendable {
    struct Job {
        var output: EpochOutput
        var deadLetters: [DeadLetter]
        var progress: EpochProgress
        var counters: Counters
        var checkpoint: Checkpoint?
        /// Wall-clock ms when the epoch's newest input was produced (latency measurement), if known.
        var newestInputMs: Int64? = nil
        /// Monotonic seconds when the engine cut this epoch (the epoch-duration metric runs from here).
        var cutAt = Clock.monotonicSeconds()
    }

    private let mirror: SQLiteMirror
    private let store: CheckpointStore?
    private let results: ResultTopicSink?
    private let telemetry: PipelineTelemetry?
    private let depth: Int
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var closed = false
    private var done = false
    private var failure: Error?
    /// Seconds the writer thread spent applying epochs (for the debug log).
    private(set) var busySeconds = 0.0
    /// Per epoch with `newestInputMs`: ms from that input's production until the epoch's results were
    /// committed and delivered.
    private(set) var latenciesMs: [Double] = []

    init(mirror: SQLiteMirror, store: CheckpointStore?, results: ResultTopicSink? = nil,
         telemetry: PipelineTelemetry? = nil, depth: Int = 2) {
        self.mirror = mirror
        self.store = store
        self.results = results
        self.telemetry = telemetry
        self.depth = depth
        let thread = Thread { [self] in self.loop() }
        thread.name = "tripstream-mirror"
        thread.start()
    }

    func submit(_ job: Job) throws {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= depth && failure == nil { condition.wait() }
        if let failure { throw failure }
        queue.append(job)
        condition.broadcast()
    }

    var latencies: [Double] { condition.withLock { latenciesMs } }

    /// Waits until every submitted epoch is applied (or the writer failed).
    func finish() throws {
        condition.lock()
        defer { condition.unlock() }
        closed = true
        condition.broadcast()
        while !done { condition.wait() }
        if let failure { throw failure }
    }

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && !closed { condition.wait() }
            guard let job = queue.first else {
                done = true
                condition.broadcast()
                condition.unlock()
                return
            }
            condition.unlock()
            let start = Clock.monotonicSeconds()
            do {
                try mirror.apply(job.output, deadLetters: job.deadLetters, progress: job.progress, counters: job.counters,
                                 beforeCommit: { CrashPoints.reach(.beforeSQLiteCommit) })
                CrashPoints.reach(.afterSQLiteCommit)
                do {
                    try results?.write(job.output, deadLetters: job.deadLetters, source: job.progress.source)
                } catch {
                    telemetry?.produceFailed()
                    throw error
                }
                var checkpointSeconds: Double?
                if let checkpoint = job.checkpoint, let store {
                    let t0 = Clock.monotonicSeconds()
                    try store.save(checkpoint, beforeCommit: { CrashPoints.reach(.beforeLMDBCommit) })
                    checkpointSeconds = Clock.monotonicSeconds() - t0
                    CrashPoints.reach(.afterLMDBCommit)
                }
                telemetry?.committed(job.output, counters: job.counters, deadLetters: job.deadLetters.count,
                                     seconds: Clock.monotonicSeconds() - job.cutAt, checkpointSeconds: checkpointSeconds)
            } catch {
                condition.lock()
                failure = error
                queue.removeAll()
                done = true
                condition.broadcast()
                condition.unlock()
                return
            }
            condition.lock()
            if let produced = job.newestInputMs { latenciesMs.append(Double(Clock.wallMilliseconds() - produced)) }
            busySeconds += Clock.monotonicSeconds() - start
            queue.removeFirst()
            condition.broadcast()
            condition.unlock()
        }
    }
}
