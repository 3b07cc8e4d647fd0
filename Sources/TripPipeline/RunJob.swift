import Foundation
import Logging
import TripCheckpoint
import TripCore
import TripEngine
import TripKafka
import TripParsing
import TripSinks
import TripTelemetry

/// `tripstream run`: consume the ingest topic, compute the four queries, keep the SQLite mirror and write
/// the result topics, with Kafka offsets checkpointed in LMDB together with the window state.
///
/// Epochs are cut at deterministic offsets (`EpochCut`): from every partition, the next messages up to an event
/// time common to all partitions, found among each partition's next `epochRows / partitions` messages (partition
/// 0's first, then 1's, …). What an epoch contains depends only on the topic's data, never on when messages
/// arrived: a restart re-reads exactly the same epochs. The price: an epoch waits until every partition has
/// its share (`--stop-at-end` finishes a finite topic). With `maxEpochDelay`, epochs are also cut by time past
/// idle or caught-up partitions; those cuts are logged in the state first, so a restart repeats them.
public struct RunJob: Sendable {
    public var kafka: KafkaConfig
    /// Properties for the consumer only, over `kafka` (which the result producer shares).
    public var consumerProperties: [String: String] = [:]
    public var config: TripstreamConfig
    public var topic: String?
    public var group: String?
    public var database: String
    public var stateDirectory: String?
    public var reset = false
    /// Treat "every partition at its end" as the end of input: a final epoch makes every window final.
    public var stopAtEnd = false
    /// Also cut an epoch once its oldest message has waited this long (seconds), without shares (see
    /// `EpochCut.decideAfterDelay`): results come within about this delay at any rate and past idle partitions.
    /// Such a cut depends on arrival timing, so it is logged in the state before the epoch's results go out and a
    /// restart repeats it.
    public var maxEpochDelay: Double?
    /// Write results and dead letters to their topics (the mirror is always kept).
    public var resultTopics = true
    /// Values are CSV lines (with this header) instead of JSON objects.
    public var csvHeader: CSVHeader?
    /// Message timestamps are the producer's wall clock: measure produce → result latency per epoch.
    public var measureLatency = false
    /// Metrics and live status for the HTTP server, when one runs.
    public var telemetry: PipelineTelemetry?
    /// Filled after `run` when `measureLatency`: for every message, ms from its production until its epoch's
    /// results were delivered to the result topics (visible to their consumers), or committed to the mirror
    /// without Kafka.
    public final class Latencies: @unchecked Sendable {
        public internal(set) var milliseconds: [Double] = []
        /// The same from the message's arrival in `run` (tripstream's own part: the wait for its epoch's cut and
        /// the epoch's processing and delivery, without the producer's batching and the broker's fetch).
        public internal(set) var sinceArrivalMilliseconds: [Double] = []
        /// Per epoch, its newest input's latency only (the measure before every input counted).
        public internal(set) var newestPerEpochMilliseconds: [Double] = []
        public init() {}
    }
    public var latencies = Latencies()

    public init(kafka: KafkaConfig, config: TripstreamConfig, database: String) {
        self.kafka = kafka
        self.config = config
        self.database = database
    }

    public var fingerprint: String { config.canonicalJSON + "\norder: kafka" + (csvHeader.map { "\ncsv: \($0.names)" } ?? "") }

    struct Message {
        var offset: Int64
        var timestampMs: Int64
        /// Where the value's bytes are in its partition's byte buffer (a dead letter's raw text, should the row
        /// be rejected or late): one growing buffer per partition instead of an allocation per message.
        var valueStart: Int
        var valueCount: Int
        /// Decoded once, on arrival; a trip's location id is one of `ArrivalLocations`' ids. For a CSV value of
        /// several lines, the first line's (the epoch decodes them all again: such messages are rare).
        var outcome: DecodeOutcome
        /// Records in the value: 1, or a CSV value's lines.
        var records: Int32
        /// The event time the epoch cut sees (its predecessor's when the message has none).
        var cutTime: EventTime
        /// When it arrived (monotonic seconds): the delay cut counts from the oldest waiting message.
        var arrived: Double
        /// The same on the wall clock in ms, when measuring latency (else 0).
        var arrivedWallMs: Int64
    }

    /// Locations of messages decoded on arrival, interned apart from the engine's table: the engine's state
    /// must not depend on how far ahead messages happened to be fetched. When a message enters an epoch its
    /// location is mapped into the engine's table (each arrival id is looked up there once).
    struct ArrivalLocations {
        var interner = StringInterner()
        var engineIDs: [LocationID] = []

        mutating func engineID(_ id: LocationID, in engine: inout StringInterner) -> LocationID {
            let i = Int(id)
            if i < engineIDs.count, engineIDs[i] >= 0 { return engineIDs[i] }
            if i >= engineIDs.count { engineIDs.append(contentsOf: repeatElement(-1, count: i + 1 - engineIDs.count)) }
            let mapped = interner.withBytes(of: id) { engine.intern($0) }
            engineIDs[i] = mapped
            return mapped
        }
    }

    /// The messages to take for a logged cut (those before its end offsets), once every partition shows it has
    /// them all: a message at or past the end, the last one before it, or the partition's end.
    static func loggedTakes(_ ends: [Int64], buffers: [[Message]], next: [Int64], atEnd: [Bool]) -> [Int]? {
        var takes: [Int] = []
        for p in buffers.indices {
            let n = buffers[p].prefix { $0.offset < ends[p] }.count
            let complete = n < buffers[p].count || atEnd[p] || ends[p] <= max(next[p], 0)
                || (n > 0 && buffers[p][n - 1].offset == ends[p] - 1)
            guard complete else { return nil }
            takes.append(n)
        }
        return takes
    }

    /// The start-up line that says how epochs are cut, so a user sees why results come when they do.
    func epochCutDescription(partitions: Int, share: Int, aligned: Bool) -> String {
        let count = "\(share) messages per partition (\(partitions) × \(share) of --epoch-rows \(config.epochRows))"
            + (aligned ? ", aligned on event time across partitions" : "")
        guard let maxEpochDelay else {
            return "epochs: cut at \(count) only (no --max-epoch-delay): an epoch waits for every partition's share"
                + (stopAtEnd ? " or its end" : "")
        }
        return "epochs: cut at \(count), or once the oldest waiting message has waited "
            + "\(Int((maxEpochDelay * 1000).rounded())) ms (--max-epoch-delay; such cuts are logged in the state and a restart repeats them)"
    }

    /// Runs until the end of input (`stopAtEnd`) or until `shouldStop` returns true between epochs.
    public func run(logger: Logger, shouldStop: @escaping @Sendable () -> Bool = { false }) throws -> ReplaySummary {
        let start = Clock.monotonicSeconds()
        let topicName = topic ?? TopicNames(tenant: config.tenant).ingest
        var consumerConfig = kafka
        for (key, value) in consumerProperties { consumerConfig[key] = value }
        let consumer = try KafkaConsumer(config: consumerConfig, groupID: group ?? "tripstream-\(config.tenant)")
        let partitions = try consumer.partitionCount(topic: topicName)
        guard partitions > 0 else { throw KafkaError(configuration: "topic \(topicName) has no partitions", operation: "run") }
        if resultTopics {
            // Fail at start, not after a delivery timeout, when the cluster lacks the output topics.
            for name in [TopicNames(tenant: config.tenant).deadLetters] + QueryName.allCases.map(TopicNames(tenant: config.tenant).results) {
                do {
                    _ = try consumer.partitionCount(topic: name)
                } catch {
                    throw KafkaError(configuration: "result topic \(name) is not available (\(error)); create the tenant's "
                                     + "topics (tripstream create-topics; dev-broker does it itself) or run with --no-result-topics", operation: "run")
                }
            }
        }
        // Epochs come as messages arrive: copying the mirror's log back must not hold up an epoch's commit. Small
        // copies (from 100 pages on) finish between live epochs, so the log starts over often; larger thresholds
        // showed in the live bench's p99 latency, smaller ones gained nothing (docs/performance.md).
        let mirror = try SQLiteMirror(path: database, tenant: config.tenant, walCheckpoints: .background(pages: 100))
        var store: CheckpointStore?
        var checkpoint: Checkpoint?
        /// Where the checkpoint resumes: each partition's next offset, and the messages read before it.
        var resume: (nextOffsets: [Int64], messagesRead: Int64)?
        if let dir = stateDirectory {
            let s = try CheckpointStore(directory: dir, fingerprint: fingerprint, reset: reset)
            store = s
            if let found = try s.load(), !found.finished {
                // The fingerprint says `kafka`, so only a damaged state holds a replay's position.
                guard case .kafka(let topic, let nextOffsets, let messagesRead) = found.position,
                      topic == topicName, nextOffsets.count == partitions else {
                    let storedPartitions = if case .kafka(_, let offsets, _) = found.position { offsets.count } else { 0 }
                    throw CheckpointError("the state in \(dir) belongs to \(found.position.sourceName) with \(storedPartitions) "
                                          + "partitions, not \(topicName) with \(partitions); use --reset or another --state")
                }
                if let problem = mirror.resumeProblem(epoch: found.epoch, source: topic) {
                    throw CheckpointError.mirror(database, stateDirectory: dir, epoch: found.epoch, problem: problem)
                }
                checkpoint = found
                resume = (nextOffsets, messagesRead)
                logger.info("resuming after epoch \(found.epoch) at offsets \(nextOffsets)")
            } else {
                try s.discardProgress()
            }
        }
        if checkpoint == nil { try mirror.clearTenant() }
        var engine = Engine(config: config)
        if let checkpoint {
            do { engine.state = try EngineState(snapshot: checkpoint.engineState) } catch {
                throw CheckpointError("the engine state in \(stateDirectory!) cannot be restored (\(error)); use --reset")
            }
        }
        let resumedAfter = checkpoint.map(\.epoch)
        var next = resume?.nextOffsets ?? Array(repeating: -2, count: partitions)  // -2: from the beginning
        try consumer.assign(topic: topicName, offsets: Dictionary(uniqueKeysWithValues: (0..<partitions).map { (Int32($0), next[$0]) }))
        telemetry?.start(from: engine.state.counters)
        let results = resultTopics ? try ResultTopicSink(kafka: kafka, tenant: config.tenant, logger: logger, telemetry: telemetry) : nil
        let sinks: [EpochSink] = (results.map { [$0] } ?? []) + [MirrorSink(mirror: mirror, telemetry: telemetry)]
        let writer = CommitCoordinator(sinks: sinks, checkpoints: store, telemetry: telemetry)

        var decoder = try MessageDecoder(config: config, csvHeader: csvHeader)
        var arrivals = ArrivalLocations()
        var lastCutTime = [EventTime](repeating: .min, count: partitions)
        let share = max(1, config.epochRows / partitions)
        // One partition needs no alignment: count cuts then match a CSV replay's epochs exactly.
        let cut = EpochCut(share: share, aligned: partitions > 1 && config.timeColumn != .ingest)
        logger.info("\(epochCutDescription(partitions: partitions, share: share, aligned: cut.aligned))")
        var buffers = [[Message]](repeating: [], count: partitions)
        var valueBytes = [[UInt8]](repeating: [], count: partitions)
        // Room for a share of ~1 KB messages up front (epochRows KB in all; pages are touched only when used):
        // growing from empty copied more than the per-message allocations this buffer replaces.
        for p in 0..<partitions { valueBytes[p].reserveCapacity(max(1 << 16, share * 1024)) }
        var atEnd = [Bool](repeating: false, count: partitions)
        // Cuts a previous run of this state decided by time and logged: repeated exactly.
        var logged = try store?.loggedCuts(after: checkpoint?.epoch ?? 0) ?? [:]
        /// When the oldest message waiting for an epoch arrived (monotonic seconds).
        var pendingSince: Double?
        var consumed = resume?.messagesRead ?? 0
        var deadLetterCount: Int64 = 0
        let rowsBefore = engine.state.counters.rowsRead
        var finished = false

        /// A decoded trip's arrival location id mapped into the engine's table, as it enters an epoch.
        func entering(_ outcome: DecodeOutcome) -> DecodeOutcome {
            guard case .trip(var trip) = outcome, let id = trip.pickupLocation else { return outcome }
            trip.pickupLocation = arrivals.engineID(id, in: &engine.state.locations)
            return .trip(trip)
        }

        while !finished {
            // Read until the cut is decided: every partition's share (or its end, when the end counts), and
            // past the bound when many messages share its time.
            var takes: [Int]?
            let epoch = engine.state.epoch
            /// The delay has passed (`maxEpochDelay`), and every message already fetched has been read.
            var delayDue = false, drained = false
            while true {
                if !logged.isEmpty, let planned = logged[epoch] {
                    takes = Self.loggedTakes(planned, buffers: buffers, next: next, atEnd: atEnd)
                    if takes != nil {
                        logger.info("epoch \(epoch): repeating the cut logged before the restart (offsets \(planned))")
                        logged[epoch] = nil
                        break
                    }
                // This test runs for every message read; EpochCut repeats it, but only once it holds.
                } else if (0..<partitions).allSatisfy({ buffers[$0].count >= share || (stopAtEnd && atEnd[$0]) }),
                          let decided = cut.decide(counts: buffers.map(\.count), ended: atEnd.map { stopAtEnd && $0 },
                                                   time: { buffers[$0][$1].cutTime }) {
                    takes = decided
                    break
                } else if delayDue, drained,
                          let decided = cut.decideAfterDelay(counts: buffers.map(\.count), ended: atEnd,
                                                             time: { buffers[$0][$1].cutTime }) {
                    let ends = (0..<partitions).map { decided[$0] > 0 ? buffers[$0][decided[$0] - 1].offset + 1 : next[$0] }
                    if store != nil { try writer.logCut(epoch: epoch, endOffsets: ends) }
                    logger.debug("epoch \(epoch): cut after \(maxEpochDelay ?? 0) s of waiting at offsets \(ends)")
                    takes = decided
                    break
                }
                if shouldStop() { break }
                let wait = maxEpochDelay.flatMap { d in pendingSince.map { d - (Clock.monotonicSeconds() - $0) } } ?? 0.1
                delayDue = wait <= 0
                // Once the delay is due, first read what librdkafka has already fetched: after a slow epoch (the
                // writer held the loop back) a cut of only what was buffered would be tiny, and tiny epochs would
                // keep the loop behind.
                var timeoutMs = delayDue && !drained ? 0 : Int32(max(1, min(100, wait * 1000)))
                if !delayDue && wait < 0.001 {
                    // The poll counts whole ms: a 1 ms poll for the last fraction would overshoot the delay.
                    usleep(UInt32(wait * 1_000_000))
                    timeoutMs = 0
                }
                let result = try consumer.poll(timeoutMs: timeoutMs, { m in
                    let p = Int(m.partition)
                    let arrived = Clock.monotonicSeconds()
                    if pendingSince == nil { pendingSince = arrived }
                    var outcome: DecodeOutcome?
                    var records: Int32 = 0
                    decoder.decodeEach(m.value, timestampMs: m.timestampMs, locations: &arrivals.interner) { _, decoded in
                        records += 1
                        if outcome == nil { outcome = decoded }
                        if case .trip(let trip) = decoded { lastCutTime[p] = trip.eventTime }
                    }
                    let valueStart = valueBytes[p].count
                    valueBytes[p].append(contentsOf: m.value)
                    buffers[p].append(Message(offset: m.offset, timestampMs: m.timestampMs,
                                              valueStart: valueStart, valueCount: m.value.count,
                                              outcome: outcome!, records: records, cutTime: lastCutTime[p], arrived: arrived,
                                              arrivedWallMs: measureLatency ? Clock.wallMilliseconds() : 0))
                    atEnd[p] = false
                })
                switch result {
                case .partitionEnd(_, let p, _): atEnd[Int(p)] = true
                default: break
                }
                drained = delayDue && result == .timeout
            }
            guard let takes, !shouldStop() else { break }
            let endOfInput = stopAtEnd && (0..<partitions).allSatisfy { atEnd[$0] && takes[$0] == buffers[$0].count }
            var deadLetters: [DeadLetter] = []
            var inputTimes: [Int64] = [], arrivalTimes: [Int64] = []
            for p in 0..<partitions {
                let take = takes[p]
                let source = "\(topicName)[\(p)]"
                for m in buffers[p].prefix(take) {
                    if measureLatency {
                        inputTimes.append(m.timestampMs)
                        arrivalTimes.append(m.arrivedWallMs)
                    }
                    let range = m.valueStart..<m.valueStart + m.valueCount
                    if m.records == 1 {
                        engine.state.counters.rowsRead += 1
                        let outcome = entering(m.outcome)
                        engine.accept(outcome, offset: m.offset,
                                      raw: { valueBytes[p].withUnsafeBytes { DeadLetter.raw(of: .init(rebasing: $0[range])) } },
                                      source: source, into: &deadLetters)
                    } else {
                        // A record per line, each with its line number in its source: `topic[p]#2` is the message's
                        // second record. The message is consumed whole, so the offsets checkpointed stay exact.
                        let value = Array(valueBytes[p][range])
                        var lines: [(range: Range<Int>, outcome: DecodeOutcome)] = []
                        value.withUnsafeBytes { bytes in
                            decoder.decodeEach(bytes, timestampMs: m.timestampMs, locations: &arrivals.interner) {
                                lines.append(($0, $1))
                            }
                        }
                        for (i, line) in lines.enumerated() {
                            engine.state.counters.rowsRead += 1
                            let outcome = entering(line.outcome)
                            engine.accept(outcome, offset: m.offset,
                                          raw: { value.withUnsafeBytes { DeadLetter.raw(of: .init(rebasing: $0[line.range])) } },
                                          source: "\(source)#\(i + 1)", into: &deadLetters)
                        }
                    }
                    next[p] = m.offset + 1
                    consumed += 1
                }
                let used = take < buffers[p].count ? buffers[p][take].valueStart : valueBytes[p].count
                buffers[p].removeFirst(take)
                // Bytes before `used` are done with: dropped at once when nothing waits, else only once they are
                // most of the buffer (moving the waiting messages' bytes at every cut would cost more than it saves).
                if buffers[p].isEmpty {
                    valueBytes[p].removeAll(keepingCapacity: true)
                } else if used > valueBytes[p].count / 2 {
                    valueBytes[p].removeFirst(used)
                    for i in buffers[p].indices { buffers[p][i].valueStart -= used }
                }
            }
            pendingSince = buffers.compactMap { $0.first?.arrived }.min()
            let cutAt = Clock.monotonicSeconds()
            let output = engine.endEpoch(endOfInput: endOfInput)
            let cp = store.map { _ in
                Checkpoint(epoch: output.epoch, position: .kafka(topic: topicName, nextOffsets: next, messagesRead: consumed),
                           engineState: engine.state.snapshot(), finished: endOfInput)
            }
            try writer.submit(EpochCommit(output: output, deadLetters: deadLetters,
                                         progress: EpochProgress(source: topicName, position: consumed, orderMode: "kafka"),
                                         counters: engine.state.counters, checkpoint: cp,
                                         inputTimesMs: inputTimes, arrivalTimesMs: arrivalTimes,
                                         cutAt: cutAt))
            if let telemetry {
                telemetry.setLag((0..<partitions).reduce(Int64(0)) { sum, p in
                    let position = max(0, next[p])  // -2 (from the beginning) counts as offset 0
                    return sum + max(0, (consumer.cachedHighWatermark(topic: topicName, partition: Int32(p)) ?? position) - position)
                })
            }
            deadLetterCount += Int64(deadLetters.count)
            try? consumer.commit(topic: topicName, offsets: Dictionary(uniqueKeysWithValues: (0..<partitions).map { (Int32($0), next[$0]) }))
            finished = endOfInput
        }
        try writer.finish()
        (latencies.milliseconds, latencies.newestPerEpochMilliseconds, latencies.sinceArrivalMilliseconds) = writer.latencies
        return ReplaySummary(counters: engine.state.counters, resumedAfterEpoch: resumedAfter, epochs: engine.state.epoch - 1,
                             deadLetters: deadLetterCount, seconds: Clock.monotonicSeconds() - start,
                             peakRSSBytes: Clock.peakRSSBytes(), secondsToFirstRow: nil,
                             rowsThisRun: engine.state.counters.rowsRead - rowsBefore,
                             deadLettersRefused: results?.refusedDeadLetters ?? 0)
    }
}
