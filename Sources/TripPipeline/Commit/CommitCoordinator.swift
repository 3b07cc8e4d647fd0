import Foundation
import TripCheckpoint
import TripCore
import TripTelemetry

/// Commits epochs on a thread of its own, strictly in epoch order, so that the sinks' work overlaps with parsing
/// and windowing of the next epoch. The order itself is `CommitStateMachine`'s: this class holds the machine under
/// one lock, performs each action it returns with the lock released (no lock is held across a call that can
/// throw or block on I/O), and reports back. `submit` blocks while `depth` epochs wait, so memory stays bounded.
/// The first error stops the writer and is rethrown to the producer at its next `submit`, `logCut` or `finish`.
final class CommitCoordinator: @unchecked Sendable {
    typealias Machine = CommitStateMachine<EpochCommit>

    /// The sinks in commit order (Kafka result topics first, so librdkafka sends while SQLite commits).
    private let sinks: [EpochSink]
    private let checkpoints: CheckpointLog?
    private let telemetry: PipelineTelemetry?
    private let condition = NSCondition()
    /// Guarded by `condition`, as is everything below it.
    private var machine: Machine
    /// Seconds the writer thread spent performing actions (for the debug log).
    private(set) var busySeconds = 0.0
    /// Seconds the producer spent blocked in `submit` because `depth` epochs were waiting (the sinks are the bound).
    private(set) var producerWaitSeconds = 0.0
    /// Per input in `inputTimesMs`: ms from its production until its epoch's results were visible (delivered
    /// to the result topics; committed to the mirror without Kafka).
    private var latenciesMs: [Double] = []
    /// Per epoch: the latency of its newest input (how earlier versions measured, kept for comparison).
    private var newestLatenciesMs: [Double] = []
    /// Per input in `arrivalTimesMs`: ms from its arrival until its epoch's results were visible.
    private var sinceArrivalMs: [Double] = []

    init(sinks: [EpochSink], checkpoints: CheckpointLog?, telemetry: PipelineTelemetry? = nil,
         depth: Int = 2, maxWritten: Int = 4) {
        self.sinks = sinks
        self.checkpoints = checkpoints
        self.telemetry = telemetry
        machine = Machine(depth: depth, maxWritten: maxWritten, sinksDeliverLater: sinks.contains { $0.deliversLater })
        for sink in sinks where sink.deliversLater {
            sink.onDeliveryReported = { [condition, weak self] in
                condition.withLock {
                    self?.machine.deliveryReported()
                    condition.broadcast()
                }
            }
        }
        let thread = Thread { [self] in self.run() }
        thread.name = "tripstream-mirror"
        thread.start()
    }

    // MARK: The producer's side

    /// Logs a cut decided by time before its epoch (which must be submitted after it) is written: a restart that
    /// finds it repeats the cut. Its fsync overlaps the engine's work on the epoch.
    func logCut(epoch: Int64, endOffsets: [Int64]) throws {
        try condition.withLock {
            if let failure = machine.logCut(.init(epoch: epoch, endOffsets: endOffsets)) { throw failure }
            condition.broadcast()
        }
    }

    func submit(_ epoch: EpochCommit) throws {
        condition.lock()
        defer { condition.unlock() }
        var waitedSince: Double?
        while true {
            switch machine.submit(epoch, epoch: epoch.epoch) {
            case .accepted:
                if let waitedSince { producerWaitSeconds += Clock.monotonicSeconds() - waitedSince }
                condition.broadcast()
                return
            case .full:
                if waitedSince == nil { waitedSince = Clock.monotonicSeconds() }
                condition.wait()
            case .failed(let error):
                throw error
            }
        }
    }

    /// Waits until every submitted epoch is checkpointed (or the writer failed).
    func finish() throws {
        condition.lock()
        defer { condition.unlock() }
        machine.close()
        condition.broadcast()
        while !machine.isFinished { condition.wait() }
        if let failure = machine.failure { throw failure }
    }

    var latencies: (perInput: [Double], newestPerEpoch: [Double], sinceArrival: [Double]) {
        condition.withLock { (latenciesMs, newestLatenciesMs, sinceArrivalMs) }
    }

    // MARK: The writer thread

    private func run() {
        condition.lock()
        while true {
            let action = machine.nextAction()
            switch action {
            case .wait(let timeout):
                if let timeout { _ = condition.wait(until: Date(timeIntervalSinceNow: timeout)) } else { condition.wait() }
                machine.waited()
                continue
            case .finish:
                condition.broadcast()
                condition.unlock()
                return
            default:
                break
            }
            condition.unlock()
            let start = Clock.monotonicSeconds()
            let report: (inout Machine) -> Void
            do {
                report = try perform(action)
            } catch {
                report = { $0.failed(error) }
            }
            let busy = Clock.monotonicSeconds() - start
            condition.lock()
            busySeconds += busy
            report(&machine)
            condition.broadcast()
        }
    }

    /// Performs one action (lock released) and returns how to tell the machine it is done.
    private func perform(_ action: Machine.Action) throws -> (inout Machine) -> Void {
        switch action {
        case .logCuts(let cuts):
            for cut in cuts { try checkpoints?.logCut(epoch: cut.epoch, endOffsets: cut.endOffsets) }
            return { _ in }
        case .write(let epoch):
            var sentAt = 0.0
            for sink in sinks {
                try sink.write(epoch)
                if sink.deliversLater { sentAt = Clock.monotonicSeconds() }
            }
            let committedAt = Clock.monotonicSeconds()
            return { $0.wrote(sentAt: sentAt, committedAt: committedAt) }
        case .checkDurable(let epoch):
            let at = try deliveredAt(through: epoch, wait: false)
            return { $0.durable(through: epoch, at: at) }
        case .awaitDurable(let epoch):
            let at = try deliveredAt(through: epoch, wait: true)
            return { $0.durable(through: epoch, at: at) }
        case .checkpoint(let epoch, let visibleAt):
            recordLatencies(epoch, visibleAt: visibleAt)
            if let checkpoint = epoch.checkpoint, let checkpoints {
                let t0 = Clock.monotonicSeconds()
                try checkpoints.save(checkpoint, beforeCommit: { CrashPoints.reach(.beforeLMDBCommit) })
                telemetry?.checkpointed(seconds: Clock.monotonicSeconds() - t0)
                CrashPoints.reach(.afterLMDBCommit)
            }
            return { $0.checkpointed() }
        case .wait, .finish:
            preconditionFailure("\(action) is handled by the writer loop")
        }
    }

    /// When everything through `epoch` was delivered by every sink that delivers later (the latest of them), or
    /// nil while one has not.
    private func deliveredAt(through epoch: Int64, wait: Bool) throws -> Double? {
        var latest = -Double.infinity
        for sink in sinks where sink.deliversLater {
            guard let at = wait ? try sink.waitDelivered(through: epoch) : try sink.deliveredAt(through: epoch) else {
                return nil
            }
            latest = max(latest, at)
        }
        return latest
    }

    private func recordLatencies(_ epoch: EpochCommit, visibleAt: Double) {
        guard !epoch.inputTimesMs.isEmpty else { return }
        let visible = Clock.wallMilliseconds() - Int64(((Clock.monotonicSeconds() - visibleAt) * 1000).rounded())
        condition.withLock {
            latenciesMs.append(contentsOf: epoch.inputTimesMs.lazy.map { Double(visible - $0) })
            newestLatenciesMs.append(Double(visible - epoch.inputTimesMs.max()!))
            sinceArrivalMs.append(contentsOf: epoch.arrivalTimesMs.lazy.map { Double(visible - $0) })
        }
    }
}
