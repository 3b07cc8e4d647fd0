import Logging
import TripCheckpoint
import TripCore
import TripEngine
import TripSinks
import TripTelemetry

/// When to write a checkpoint: every `everyEpochs` epochs, or once `everyMilliseconds` passed (whichever
/// comes first), and always after the last epoch.
public struct CheckpointPlan {
    public var store: CheckpointStore
    public var everyEpochs: Int
    public var everyMilliseconds: Int?
    public init(store: CheckpointStore, everyEpochs: Int = 1, everyMilliseconds: Int? = nil) {
        self.store = store
        self.everyEpochs = everyEpochs
        self.everyMilliseconds = everyMilliseconds
    }
}

/// The one epoch loop of every job: asks the source for an epoch, ends it in the engine, and hands its results,
/// dead letters and (when due) checkpoint to the commit coordinator, until the input ends or the source stops.
/// Restoring a checkpoint is its other half (`EpochDriver+Restore.swift`).
final class EpochDriver {
    /// Used several times per record by the source, never re-entrantly: exempt from the dynamic exclusivity
    /// check a class's stored property otherwise pays on every access.
    @exclusivity(unchecked) var engine: Engine
    /// Nil when nothing is written (a replay without a mirror).
    let writer: CommitCoordinator?
    let checkpoints: CheckpointPlan?
    private var epochsSinceCheckpoint = 0
    private var lastCheckpointTime = Clock.monotonicSeconds()
    private(set) var deadLetterCount: Int64 = 0
    /// Seconds spent in `engine.endEpoch` (for the debug log).
    private(set) var endEpochSeconds = 0.0

    init(engine: Engine, writer: CommitCoordinator?, checkpoints: CheckpointPlan?) {
        self.engine = engine
        self.writer = writer
        self.checkpoints = writer == nil ? nil : checkpoints
    }

    /// Runs epochs until the source's input ends (after that epoch) or the source stops, then waits until every
    /// epoch is committed. `start` (monotonic seconds) is when the job started, for the summary.
    func run(_ source: some EpochSource, start: Double, resumedAfterEpoch: Int64?) throws -> ReplaySummary {
        let rowsBefore = engine.state.counters.rowsRead
        var deadLetters: [DeadLetter] = []
        var finished = false
        while !finished, let input = try source.nextEpoch(&engine, deadLetters: &deadLetters) {
            try commit(input, from: source, deadLetters: &deadLetters)
            finished = input.endOfInput
        }
        try writer?.finish()
        var summary = ReplaySummary(counters: engine.state.counters, resumedAfterEpoch: resumedAfterEpoch,
                                    epochs: engine.state.epoch - 1, deadLetters: deadLetterCount,
                                    seconds: Clock.monotonicSeconds() - start, peakRSSBytes: Clock.peakRSSBytes(),
                                    secondsToFirstRow: nil, rowsThisRun: engine.state.counters.rowsRead - rowsBefore)
        summary.queries = engine.state.queries.map { ($0.name, $0.emittedRows, $0.lateRows) }
        return summary
    }

    private func commit(_ input: EpochInput, from source: some EpochSource, deadLetters: inout [DeadLetter]) throws {
        let cutAt = Clock.monotonicSeconds()
        let output = engine.endEpoch(endOfInput: input.endOfInput)
        endEpochSeconds += Clock.monotonicSeconds() - cutAt
        try writer?.submit(EpochCommit(
            output: output, deadLetters: deadLetters, progress: input.progress, counters: engine.state.counters,
            checkpoint: checkpointIfDue(endOfInput: input.endOfInput, source: source),
            inputTimesMs: input.inputTimesMs, arrivalTimesMs: input.arrivalTimesMs, cutAt: cutAt))
        source.submitted(input, engine: engine)
        deadLetterCount += Int64(deadLetters.count)
        deadLetters.removeAll(keepingCapacity: true)
    }

    /// The checkpoint for the epoch just ended, when the plan says one is due.
    private func checkpointIfDue(endOfInput: Bool, source: some EpochSource) -> Checkpoint? {
        guard let plan = checkpoints else { return nil }
        epochsSinceCheckpoint += 1
        let now = Clock.monotonicSeconds()
        let timeDue = plan.everyMilliseconds.map { (now - lastCheckpointTime) * 1000 >= Double($0) } ?? false
        guard endOfInput || epochsSinceCheckpoint >= plan.everyEpochs || timeDue else { return nil }
        epochsSinceCheckpoint = 0
        lastCheckpointTime = now
        return Checkpoint(epoch: engine.state.epoch - 1, position: source.checkpointPosition,
                          engineState: engine.state.snapshot(), finished: endOfInput)
    }
}
