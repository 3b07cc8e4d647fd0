import TripCheckpoint
import TripCore
import TripEngine
import TripSinks
import TripTelemetry

/// One epoch's results on their way to the sinks, and what the checkpoint after them holds.
struct EpochCommit {
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

    var epoch: Int64 { output.epoch }
}

/// Where each epoch's results go. `CommitCoordinator` hands every epoch to each sink in turn and writes the
/// epoch's checkpoint only once every sink holds it durably: the checkpoint never gets ahead of a sink.
protocol EpochSink: AnyObject {
    /// The sink holds the epoch durably only when its deliveries are reported (Kafka), not when `write` returns.
    var deliversLater: Bool { get }
    /// Writes the epoch: committed when this returns, or queued for delivery if the sink delivers later.
    func write(_ epoch: EpochCommit) throws
    /// When everything written through `epoch` was delivered (monotonic seconds), or nil while some is not; throws
    /// a failed delivery. Asked in epoch order; a sink that does not deliver later answers at once.
    func deliveredAt(through epoch: Int64) throws -> Double?
    /// Waits until everything written through `epoch` is delivered; when it was.
    func waitDelivered(through epoch: Int64) throws -> Double
    /// Called (on any thread) whenever some deliveries were reported.
    var onDeliveryReported: (() -> Void)? { get set }
}

/// Where checkpoints and logged cuts are written (LMDB; a fake in unit tests).
protocol CheckpointLog: AnyObject {
    func logCut(epoch: Int64, endOffsets: [Int64]) throws
    func save(_ checkpoint: Checkpoint, beforeCommit: () -> Void) throws
}

extension CheckpointStore: CheckpointLog {}

/// The Kafka result topics as a sink: queued by `write`, durable once their deliveries are reported.
extension ResultTopicSink: EpochSink {
    var deliversLater: Bool { true }

    func write(_ epoch: EpochCommit) throws {
        do {
            try write(epoch.output, deadLetters: epoch.deadLetters, source: epoch.progress.source)
        } catch {
            telemetry?.produceFailed()
            throw error
        }
    }
}

/// The SQLite mirror as a sink: one transaction per epoch (results, dead letters, progress, counters), durable
/// when `write` returns.
final class MirrorSink: EpochSink {
    let mirror: SQLiteMirror
    let telemetry: PipelineTelemetry?

    init(mirror: SQLiteMirror, telemetry: PipelineTelemetry?) {
        self.mirror = mirror
        self.telemetry = telemetry
    }

    var deliversLater: Bool { false }
    var onDeliveryReported: (() -> Void)? {
        get { nil }
        set {}
    }

    func write(_ epoch: EpochCommit) throws {
        try mirror.apply(epoch.output, deadLetters: epoch.deadLetters, progress: epoch.progress, counters: epoch.counters,
                         beforeCommit: { CrashPoints.reach(.beforeSQLiteCommit) })
        CrashPoints.reach(.afterSQLiteCommit)
        telemetry?.committed(epoch.output, counters: epoch.counters, deadLetters: epoch.deadLetters.count,
                             seconds: Clock.monotonicSeconds() - epoch.cutAt)
    }

    func deliveredAt(through epoch: Int64) throws -> Double? { -.infinity }
    func waitDelivered(through epoch: Int64) throws -> Double { -.infinity }
}
