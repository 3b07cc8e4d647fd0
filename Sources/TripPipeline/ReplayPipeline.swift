import Logging
import TripCheckpoint
import TripCore
import TripEngine
import TripParsing
import TripSinks
import TripSources
import TripTelemetry

/// What a replay did, for the final summary.
public struct ReplaySummary: Sendable {
    public var counters: Counters
    /// The checkpointed epoch this run resumed after, if it resumed.
    public var resumedAfterEpoch: Int64?
    public var epochs: Int64
    public var deadLetters: Int64
    public var seconds: Double
    public var peakRSSBytes: Int64
    /// Seconds from process start until the first record was processed (start-up, restore, seek, sort).
    public var secondsToFirstRow: Double?
    /// Records read by this run (a resumed run counts only what it read after the checkpoint).
    public var rowsThisRun: Int64
    /// Dead letters Kafka refused as too large for the dead-letter topic (`run`; kept in the mirror).
    public var deadLettersRefused: Int64 = 0
    public var rowsPerSecond: Double { seconds > 0 ? Double(rowsThisRun) / seconds : 0 }
}

/// Progress snapshot for a progress bar.
public struct ReplayProgress: Sendable {
    public var phase: String
    public var done: Int64
    public var total: Int64?
    public var rowsRead: Int64
    public var seconds: Double
}

/// When to write a checkpoint: every `everyEpochs` epochs, or once `everyMilliseconds` passed (whichever
/// comes first), and always after the last epoch.
public struct CheckpointPlan {
    public var store: CheckpointStore
    public var everyEpochs: Int
    public var everyMilliseconds: Int?
    public var sourceSize: Int64
    public init(store: CheckpointStore, everyEpochs: Int = 1, everyMilliseconds: Int? = nil, sourceSize: Int64) {
        self.store = store
        self.everyEpochs = everyEpochs
        self.everyMilliseconds = everyMilliseconds
        self.sourceSize = sourceSize
    }
}

/// Source → decoder → engine → SQLite mirror, epoch by epoch. An epoch is `epochRows` source records;
/// its results, dead letters and end position are applied to the mirror in one transaction, then (when a
/// checkpoint is due) the engine state and source position are saved in LMDB.
public final class ReplayPipeline {
    public let config: TripstreamConfig
    /// The engine and the decoder are used several times per row, never re-entrantly: exempt from the dynamic
    /// exclusivity check a class's stored property otherwise pays on every access.
    @exclusivity(unchecked) public private(set) var engine: Engine
    let source: RecordSource
    let writer: CommitCoordinator?
    @exclusivity(unchecked) var decoder: TripDecoder
    let logger: Logger
    public var onProgress: ((ReplayProgress) -> Void)?
    var deadLetterCount: Int64 = 0
    var endEpochSeconds = 0.0

    let checkpoints: CheckpointPlan?
    var epochsSinceCheckpoint = 0
    var lastCheckpointTime = Clock.monotonicSeconds()
    let resumedAfterEpoch: Int64?

    /// - Parameter state: the engine state to resume from (restored from a checkpoint), or nil for a fresh run.
    public init(config: TripstreamConfig, source: RecordSource, mirror: SQLiteMirror?, logger: Logger,
                state: EngineState? = nil, checkpoints: CheckpointPlan? = nil, telemetry: PipelineTelemetry? = nil) throws {
        self.config = config
        self.source = source
        self.checkpoints = mirror == nil ? nil : checkpoints
        self.writer = mirror.map {
            CommitCoordinator(sinks: [MirrorSink(mirror: $0, telemetry: telemetry)], checkpoints: checkpoints?.store,
                              telemetry: telemetry)
        }
        telemetry?.start(from: state?.counters ?? Counters())
        self.logger = logger
        engine = Engine(config: config, state: state ?? EngineState())
        resumedAfterEpoch = state.map { $0.epoch - 1 }
        decoder = try TripDecoder(header: source.header, timeColumn: config.timeColumn, zone: config.timeZone,
                                  now: { Clock.wallMilliseconds() })
        for column in decoder.absentColumns {
            logger.warning("the CSV header has no \(column) column: every row counts it as empty (NULL)")
        }
    }

    public func run() throws -> ReplaySummary {
        let start = Clock.monotonicSeconds()
        let rowsBefore = engine.state.counters.rowsRead
        var deadLetters: [DeadLetter] = []
        var inEpoch = 0
        var lastReport = start
        let midEpoch = max(1, config.epochRows / 2)
        var firstRow: Double?
        while let record = try source.next() {
            if firstRow == nil { firstRow = Clock.secondsSinceProcessStart() }
            engine.state.counters.rowsRead += 1
            let outcome = record.malformed.map(DecodeOutcome.rejected)
                ?? decoder.decode(record.bytes, fields: source.fields, locations: &engine.state.locations,
                                  knownEventTime: record.eventTime)
            engine.accept(outcome, offset: record.offset, raw: { DeadLetter.raw(of: record.bytes) },
                          into: &deadLetters)
            inEpoch += 1
            if inEpoch == midEpoch { CrashPoints.reach(.midEpoch) }
            if inEpoch == config.epochRows {
                try commitEpoch(endOfInput: false, deadLetters: &deadLetters)
                inEpoch = 0
                let now = Clock.monotonicSeconds()
                if now - lastReport >= 0.2 {
                    lastReport = now
                    report(phase: "replay", start: start)
                }
            }
        }
        try commitEpoch(endOfInput: true, deadLetters: &deadLetters)
        try writer?.finish()
        report(phase: "done", start: start)
        logger.debug("time in endEpoch \(endEpochSeconds) s, in the mirror \(writer?.busySeconds ?? 0) s (own thread), waiting for the mirror \(writer?.producerWaitSeconds ?? 0) s")
        if checkpoints != nil, let sorter = source as? EventTimeSortedReader { sorter.removeRuns() }
        return ReplaySummary(counters: engine.state.counters, resumedAfterEpoch: resumedAfterEpoch, epochs: engine.state.epoch - 1,
                             deadLetters: deadLetterCount, seconds: Clock.monotonicSeconds() - start,
                             peakRSSBytes: Clock.peakRSSBytes(), secondsToFirstRow: firstRow,
                             rowsThisRun: engine.state.counters.rowsRead - rowsBefore)
    }

    func report(phase: String, start: Double) {
        onProgress?(ReplayProgress(phase: phase, done: source.progressDone, total: source.progressTotal,
                                   rowsRead: engine.state.counters.rowsRead, seconds: Clock.monotonicSeconds() - start))
    }

    func commitEpoch(endOfInput: Bool, deadLetters: inout [DeadLetter]) throws {
        let t0 = Clock.monotonicSeconds()
        let output = engine.endEpoch(endOfInput: endOfInput)
        endEpochSeconds += Clock.monotonicSeconds() - t0
        try writer?.submit(EpochCommit(
            output: output, deadLetters: deadLetters,
            progress: EpochProgress(source: source.name, position: source.position, orderMode: source.orderMode),
            counters: engine.state.counters, checkpoint: checkpointIfDue(endOfInput: endOfInput), cutAt: t0))
        deadLetterCount += Int64(deadLetters.count)
        deadLetters.removeAll(keepingCapacity: true)
    }

    /// The checkpoint for the epoch just ended, when the plan says one is due.
    func checkpointIfDue(endOfInput: Bool) -> Checkpoint? {
        guard let plan = checkpoints else { return nil }
        epochsSinceCheckpoint += 1
        let now = Clock.monotonicSeconds()
        let timeDue = plan.everyMilliseconds.map { (now - lastCheckpointTime) * 1000 >= Double($0) } ?? false
        guard endOfInput || epochsSinceCheckpoint >= plan.everyEpochs || timeDue else { return nil }
        epochsSinceCheckpoint = 0
        lastCheckpointTime = now
        let input = InputFile(path: source.name, size: plan.sourceSize)
        let position: Checkpoint.Position = if let sorted = source as? EventTimeSortedReader {
            .eventTime(input, nextOrdinal: sorted.position, runOffsets: sorted.checkpointRunOffsets)
        } else {
            .file(input, nextRecordOffset: source.position)
        }
        return Checkpoint(epoch: engine.state.epoch - 1, position: position, engineState: engine.state.snapshot(),
                          finished: endOfInput)
    }
}
