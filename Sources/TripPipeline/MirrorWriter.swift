import Foundation
import TripCheckpoint
import TripCore
import TripEngine
import TripSinks
import TripTelemetry

/// Applies epochs to the SQLite mirror on a thread of its own, strictly in epoch order, so that SQLite's
/// work overlaps with parsing and windowing of the next epoch (the machine has two cores). At most `depth`
/// epochs wait; the producer blocks beyond that, so memory stays bounded. The first error stops the writer
/// and is rethrown to the producer at its next `submit` or at `finish`.
///
/// Commit order for each epoch: (1) with Kafka on, the result and dead-letter messages queued (librdkafka sends
/// them on its own threads while SQLite works), (2) the SQLite transaction with its results, dead letters and
/// progress, then (3) — once every message of that epoch (and of the earlier ones) is delivered — the LMDB
/// checkpoint (state and source position as of the end of that epoch). The writer goes on with the next epochs
/// while deliveries are under way (at most `maxAwaiting` wait). A crash before (3) leaves the checkpoint at an
/// earlier epoch while the mirror and the topics may hold later ones, which the restart recomputes and writes
/// again with identical values and keys; after (3) all agree. The checkpoint never gets ahead of the mirror or
/// the topics, so no result can be lost.
final class MirrorWriter: @unchecked Sendable {
    struct Job {
        var output: EpochOutput
        var deadLetters: [DeadLetter]
        var progress: EpochProgress
        var counters: Counters
        var checkpoint: Checkpoint?
        /// Wall-clock ms when each of the epoch's inputs was produced (latency measurement; empty when off).
        var inputTimesMs: [Int64] = []
        /// Wall-clock ms when each input arrived in the process (parallel to `inputTimesMs`; empty when off).
        var arrivalTimesMs: [Int64] = []
        /// Monotonic seconds when the engine cut this epoch (the epoch-duration metric runs from here).
        var cutAt = Clock.monotonicSeconds()
        /// Monotonic seconds when its messages were all handed to Kafka, and when it was committed to the mirror
        /// (set by the writer).
        var sentAt = 0.0, committedAt = 0.0
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
    /// Seconds the producer spent blocked in `submit` because `depth` epochs were waiting (the mirror is the bound).
    private(set) var producerWaitSeconds = 0.0
    /// Per input in `inputTimesMs`: ms from its production until its epoch's results were visible (delivered
    /// to the result topics; committed to the mirror without Kafka).
    private(set) var latenciesMs: [Double] = []
    /// Per epoch: the latency of its newest input (how earlier versions measured, kept for comparison).
    private(set) var newestLatenciesMs: [Double] = []
    /// Per input in `arrivalTimesMs`: ms from its arrival until its epoch's results were visible.
    private(set) var sinceArrivalMs: [Double] = []

    init(mirror: SQLiteMirror, store: CheckpointStore?, results: ResultTopicSink? = nil,
         telemetry: PipelineTelemetry? = nil, depth: Int = 2) {
        self.mirror = mirror
        self.store = store
        self.results = results
        self.telemetry = telemetry
        self.depth = depth
        results?.onEpochReported = { [condition] in condition.withLock { condition.broadcast() } }
        let thread = Thread { [self] in self.loop() }
        thread.name = "tripstream-mirror"
        thread.start()
    }

    /// Cuts decided by time (`RunJob`), to log in the state before their epochs' results go out.
    private var cutsToLog: [(epoch: Int64, endOffsets: [Int64])] = []

    /// Logs a cut decided by time in the state (LMDB, durable) on the writer thread, before the epoch's job (which
    /// must follow) is applied: a restart that finds it repeats the cut. Its fsync overlaps the engine's work on
    /// the epoch (0.5–0.6 ms p50 at 20 ms epochs, once on the main thread's path).
    func logCut(epoch: Int64, endOffsets: [Int64]) throws {
        condition.lock()
        defer { condition.unlock() }
        if let failure { throw failure }
        cutsToLog.append((epoch, endOffsets))
        condition.broadcast()
    }

    func submit(_ job: Job) throws {
        condition.lock()
        defer { condition.unlock() }
        if queue.count >= depth && failure == nil {
            let t0 = Clock.monotonicSeconds()
            while queue.count >= depth && failure == nil { condition.wait() }
            producerWaitSeconds += Clock.monotonicSeconds() - t0
        }
        if let failure { throw failure }
        queue.append(job)
        condition.broadcast()
    }

    var latencies: (perInput: [Double], newestPerEpoch: [Double], sinceArrival: [Double]) {
        condition.withLock { (latenciesMs, newestLatenciesMs, sinceArrivalMs) }
    }

    /// Waits until every submitted epoch is applied (or the writer failed).
    func finish() throws {
        condition.lock()
        defer { condition.unlock() }
        closed = true
        condition.broadcast()
        while !done { condition.wait() }
        if let failure { throw failure }
    }

    /// Epochs committed to the mirror (and handed to Kafka) whose checkpoint waits for their result messages to
    /// be delivered. Only the writer thread touches it.
    private var awaiting: [Job] = []
    /// At most this many epochs wait for delivery before the writer waits too (each holds a state snapshot).
    private let maxAwaiting = 4

    private func loop() {
        do {
            while let job = try nextJob() {
                let start = Clock.monotonicSeconds()
                try apply(job)
                try settle(waitForAll: false)
                condition.withLock {
                    busySeconds += Clock.monotonicSeconds() - start
                    queue.removeFirst()
                    condition.broadcast()
                }
            }
            try settle(waitForAll: true)
            end(failure: nil)
        } catch {
            end(failure: error)
        }
    }

    /// The next epoch to apply (left in the queue until applied), or nil once closed and drained; cuts to log go
    /// first. While it waits, it keeps settling the epochs whose deliveries complete.
    private func nextJob() throws -> Job? {
        while true {
            condition.lock()
            if !cutsToLog.isEmpty {
                // Before any job: an epoch's cut is always logged ahead of it (RunJob posts the cut first).
                let cuts = cutsToLog
                cutsToLog.removeAll()
                condition.unlock()
                for c in cuts { try store?.logCut(epoch: c.epoch, endOffsets: c.endOffsets) }
                continue
            }
            if let job = queue.first { condition.unlock(); return job }
            if closed { condition.unlock(); return nil }
            if awaiting.isEmpty {
                condition.wait()
                condition.unlock()
            } else {
                // Deliveries pending (only with Kafka: without it an epoch settles as soon as it is applied). The
                // producer's report thread wakes this wait when an epoch's messages are all reported, as `submit`
                // does for a new epoch; the timeout only bounds a missed wake-up.
                let delivered: Bool
                do {
                    delivered = try results.map { try $0.deliveredAt(through: awaiting[0].output.epoch) != nil } ?? true
                } catch {
                    condition.unlock()
                    throw error
                }
                if !delivered { _ = condition.wait(until: Date(timeIntervalSinceNow: 0.1)) }
                condition.unlock()
                try settle(waitForAll: false)
            }
        }
    }

    /// (1) the result messages queued in Kafka, (2) the SQLite transaction; the checkpoint comes in `settle`.
    private func apply(_ job: Job) throws {
        var job = job
        do {
            try results?.write(job.output, deadLetters: job.deadLetters, source: job.progress.source)
        } catch {
            telemetry?.produceFailed()
            throw error
        }
        job.sentAt = Clock.monotonicSeconds()
        try mirror.apply(job.output, deadLetters: job.deadLetters, progress: job.progress, counters: job.counters,
                         beforeCommit: { CrashPoints.reach(.beforeSQLiteCommit) })
        job.committedAt = Clock.monotonicSeconds()
        CrashPoints.reach(.afterSQLiteCommit)
        telemetry?.committed(job.output, counters: job.counters, deadLetters: job.deadLetters.count,
                             seconds: Clock.monotonicSeconds() - job.cutAt)
        awaiting.append(job)
        while awaiting.count > maxAwaiting { try settleFirst(wait: true) }
    }

    /// (3) the LMDB checkpoint of every waiting epoch, in order, whose results (and earlier ones) are delivered;
    /// with `waitForAll`, waits for all of them. Without Kafka an epoch settles at once.
    private func settle(waitForAll: Bool) throws {
        while !awaiting.isEmpty {
            guard try settleFirst(wait: waitForAll) else { return }
        }
    }

    @discardableResult
    private func settleFirst(wait: Bool) throws -> Bool {
        guard let job = awaiting.first else { return false }
        /// When the epoch's results became visible (monotonic seconds): delivered to the result topics (as the
        /// report came, however busy the writer was), or committed to the mirror without Kafka.
        var visibleAt = job.committedAt
        if let results {
            do {
                // An epoch without messages: visible once handed over (and the earlier ones delivered).
                if wait {
                    visibleAt = max(job.sentAt, try results.waitDelivered(through: job.output.epoch))
                } else if let delivered = try results.deliveredAt(through: job.output.epoch) {
                    visibleAt = max(job.sentAt, delivered)
                } else {
                    return false
                }
            } catch {
                telemetry?.produceFailed()
                throw error
            }
        }
        if !job.inputTimesMs.isEmpty {
            let visible = Clock.wallMilliseconds() - Int64(((Clock.monotonicSeconds() - visibleAt) * 1000).rounded())
            condition.withLock {
                latenciesMs.append(contentsOf: job.inputTimesMs.lazy.map { Double(visible - $0) })
                newestLatenciesMs.append(Double(visible - job.inputTimesMs.max()!))
                sinceArrivalMs.append(contentsOf: job.arrivalTimesMs.lazy.map { Double(visible - $0) })
            }
        }
        if let checkpoint = job.checkpoint, let store {
            let t0 = Clock.monotonicSeconds()
            try store.save(checkpoint, beforeCommit: { CrashPoints.reach(.beforeLMDBCommit) })
            telemetry?.checkpointed(seconds: Clock.monotonicSeconds() - t0)
            CrashPoints.reach(.afterLMDBCommit)
        }
        awaiting.removeFirst()
        return true
    }

    private func end(failure error: Error?) {
        condition.lock()
        failure = error
        if error != nil { queue.removeAll() }
        done = true
        condition.broadcast()
        condition.unlock()
    }
}
