import Foundation
import Logging
import TripCheckpoint
import TripCore
import TripEngine
import TripKafka
import TripParsing
import TripSinks
import TripSources
import TripTelemetry

/// `run`'s epochs: each partition's messages, buffered as they arrive and cut by `EpochCut` (every partition's
/// share, aligned on event time), by a cut logged before a restart (repeated exactly), or, with `maxEpochDelay`,
/// by time (logged before the epoch's results go out). Its position is each partition's next offset; it is
/// opened there (`assign`), or at the beginning of every partition.
final class KafkaEpochSource: EpochSource {
    /// What to cut by and whether to measure latency (`stopAtEnd`, `maxEpochDelay`, `measureLatency`, `telemetry`).
    let job: RunJob
    let consumer: KafkaConsumer
    let topic: String, partitions: Int
    let cut: EpochCut
    var share: Int { cut.share }
    let shouldStop: @Sendable () -> Bool
    let logger: Logger
    /// Where cuts decided by time are logged; nil without a state directory (nothing to repeat them from).
    let cutLog: CommitCoordinator?

    // What follows is used per message, by one thread and never re-entrantly (the poll callback runs inside
    // `poll`, while nothing else touches it): exempt from the dynamic exclusivity check a class's stored
    // property otherwise pays on every access.
    /// Reads each message's cut time on arrival (`MessageDecoder.arrival`; an empty layout: no column, no text).
    @exclusivity(unchecked) var decoder: MessageDecoder
    /// Decodes each message again as it enters its epoch, with the queries' columns, straight into the engine's
    /// interner (its ids must follow the epochs, not how far ahead messages were fetched).
    @exclusivity(unchecked) var queryDecoder: MessageDecoder
    /// What the row-only decodes are given for the location interner they never fill, and the arrival decode
    /// for its text interner (its empty layout has no text column).
    @exclusivity(unchecked) var noLocations = StringInterner()
    @exclusivity(unchecked) var noTexts = StringInterner()
    /// Per partition: the messages waiting for an epoch, and their values' bytes, one growing buffer per
    /// partition instead of an allocation per message.
    @exclusivity(unchecked) var buffers: [[Message]]
    @exclusivity(unchecked) var valueBytes: [[UInt8]]
    /// Per partition: the cut time of its last message read (a message without an event time is cut as its
    /// predecessor), whether it is at its end, and the offset of the next message an epoch takes (-2: from the
    /// beginning).
    @exclusivity(unchecked) var lastCutTime: [EventTime]
    @exclusivity(unchecked) var atEnd: [Bool]
    @exclusivity(unchecked) var next: [Int64]
    /// When the oldest message waiting for an epoch arrived (monotonic seconds).
    @exclusivity(unchecked) var pendingSince: Double?
    /// Messages taken into epochs, counted on from the checkpoint: the mirror's progress position.
    var consumed: Int64
    /// Cuts a previous run of this state decided by time and logged: repeated exactly.
    var logged: [Int64: [Int64]]

    /// Opens the topic at `position` (a verified checkpoint's) or at the beginning of every partition.
    init(job: RunJob, consumer: KafkaConsumer, topic: String, partitions: Int, position: Checkpoint.Position?,
         loggedCuts: [Int64: [Int64]], cutLog: CommitCoordinator?, layout: RowLayout, logger: Logger,
         shouldStop: @escaping @Sendable () -> Bool) throws {
        (self.job, self.consumer, self.topic, self.partitions) = (job, consumer, topic, partitions)
        self.cutLog = cutLog
        self.logger = logger
        self.shouldStop = shouldStop
        logged = loggedCuts
        if case .kafka(_, let nextOffsets, let messagesRead)? = position {
            (next, consumed) = (nextOffsets, messagesRead)
        } else {
            (next, consumed) = (Array(repeating: -2, count: partitions), 0)
        }
        decoder = try MessageDecoder(config: job.config, csvHeader: job.csvHeader, parsesTripFields: false)
        queryDecoder = try MessageDecoder(config: job.config, csvHeader: job.csvHeader, layout: layout,
                                          parsesTripFields: false)
        lastCutTime = Array(repeating: .min, count: partitions)
        // One partition needs no alignment: count cuts then match a CSV replay's epochs exactly.
        cut = EpochCut(share: max(1, job.config.epochRows / partitions),
                       aligned: partitions > 1 && job.config.timeColumn != .ingest)
        let share = cut.share
        buffers = Array(repeating: [], count: partitions)
        valueBytes = Array(repeating: [], count: partitions)
        // Room for a share of ~1 KB messages up front (epochRows KB in all; pages are touched only when used):
        // growing from empty copied more than the per-message allocations this buffer replaces.
        for p in 0..<partitions { valueBytes[p].reserveCapacity(max(1 << 16, share * 1024)) }
        atEnd = Array(repeating: false, count: partitions)
        logger.info("\(job.epochCutDescription(partitions: partitions, share: share, aligned: cut.aligned))")
        try consumer.assign(topic: topic, offsets: groupOffsets)
    }

    /// Each partition's next offset, as the consumer takes them.
    var groupOffsets: [Int32: Int64] { Dictionary(uniqueKeysWithValues: (0..<partitions).map { (Int32($0), next[$0]) }) }

    var checkpointPosition: Checkpoint.Position { .kafka(topic: topic, nextOffsets: next, messagesRead: consumed) }

    func nextEpoch(_ engine: inout Engine, deadLetters: inout [DeadLetter]) throws -> EpochInput? {
        guard let takes = try readUntilCut(epoch: engine.state.epoch), !shouldStop() else { return nil }
        let endOfInput = job.stopAtEnd && (0..<partitions).allSatisfy { atEnd[$0] && takes[$0] == buffers[$0].count }
        var input = EpochInput(endOfInput: endOfInput, progress: EpochProgress(source: topic, position: 0, orderMode: "kafka"))
        for p in 0..<partitions {
            take(takes[p], from: p, into: &engine, deadLetters: &deadLetters, input: &input)
        }
        pendingSince = buffers.compactMap { $0.first?.arrived }.min()
        input.progress.position = consumed
        return input
    }

    /// Feeds partition `p`'s first `count` messages to the engine and drops them from its buffers.
    private func take(_ count: Int, from p: Int, into engine: inout Engine, deadLetters: inout [DeadLetter],
                      input: inout EpochInput) {
        let source = "\(topic)[\(p)]"
        for m in buffers[p].prefix(count) {
            if job.measureLatency {
                input.inputTimesMs.append(m.timestampMs)
                input.arrivalTimesMs.append(m.arrivedWallMs)
            }
            let range = m.valueStart..<m.valueStart + m.valueCount
            takeEntering(m, range: range, from: p, source: source, into: &engine, deadLetters: &deadLetters)
            next[p] = m.offset + 1
            consumed += 1
        }
        let used = count < buffers[p].count ? buffers[p][count].valueStart : valueBytes[p].count
        buffers[p].removeFirst(count)
        // Bytes before `used` are done with: dropped at once when nothing waits, else only once they are most of
        // the buffer (moving the waiting messages' bytes at every cut would cost more than it saves).
        if buffers[p].isEmpty {
            valueBytes[p].removeAll(keepingCapacity: true)
        } else if used > valueBytes[p].count / 2 {
            valueBytes[p].removeFirst(used)
            for i in buffers[p].indices { buffers[p][i].valueStart -= used }
        }
    }

    /// A message entering its epoch: decoded again with the queries' columns, a record per line (a CSV value's
    /// `n`-th line has source `topic[p]#n`; the message is consumed whole, so the offsets checkpointed stay
    /// exact). The engine's interner is moved out while the decoder fills it and back after: the engine takes
    /// each record inside the decoder's call, and reads no interner meanwhile (only `endEpoch` does).
    private func takeEntering(_ m: Message, range: Range<Int>, from p: Int, source: String,
                              into engine: inout Engine, deadLetters: inout [DeadLetter]) {
        var texts = StringInterner()
        swap(&texts, &engine.state.queryTexts)
        defer { swap(&texts, &engine.state.queryTexts) }
        valueBytes[p].withUnsafeBytes { all in
            let bytes = UnsafeRawBufferPointer(rebasing: all[range])
            var line = 0
            queryDecoder.decodeEach(bytes, timestampMs: m.timestampMs, locations: &noLocations, texts: &texts) {
                records, outcome, row in
                line += 1
                engine.state.counters.rowsRead += 1
                engine.accept(outcome, row: row, offset: m.offset,
                              raw: { DeadLetter.raw(of: .init(rebasing: bytes[records])) },
                              source: m.records == 1 ? source : "\(source)#\(line)", into: &deadLetters)
            }
        }
    }

    /// Reports the lag and commits the consumer group's offsets: progress for tools, never used to resume.
    func submitted(_ input: EpochInput, engine: Engine) {
        if let telemetry = job.telemetry {
            telemetry.setLag((0..<partitions).reduce(Int64(0)) { sum, p in
                let position = max(0, next[p])  // -2 (from the beginning) counts as offset 0
                return sum + max(0, (consumer.cachedHighWatermark(topic: topic, partition: Int32(p)) ?? position) - position)
            })
        }
        try? consumer.commit(topic: topic, offsets: groupOffsets)
    }
}

/// A Kafka checkpoint resumes only the same topic with the same partition count.
struct TopicResumeRules: ResumeRules {
    var topic: String
    var partitions: Int

    func verify(_ position: Checkpoint.Position, stateDirectory dir: String) throws -> String {
        // The fingerprint says `kafka`, so only a damaged state holds a replay's position.
        guard case .kafka(let stored, let nextOffsets, _) = position, stored == topic, nextOffsets.count == partitions else {
            let storedPartitions = if case .kafka(_, let offsets, _) = position { offsets.count } else { 0 }
            throw CheckpointError("the state in \(dir) belongs to \(position.sourceName) with \(storedPartitions) "
                                  + "partitions, not \(topic) with \(partitions); use --reset or another --state")
        }
        return " at offsets \(nextOffsets)"
    }

    func startAfresh(store: CheckpointStore, stateDirectory: String, finished: Bool, logger: Logger) throws {
        try store.discardProgress()
    }
}
