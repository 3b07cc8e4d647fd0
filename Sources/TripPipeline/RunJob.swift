import Foundation
import Logging
import TripCheckpoint
import TripCore
import TripEngine
import TripKafka
import TripParsing
import TripSinks
import TripSQL
import TripTelemetry

/// `tripstream run`: consume the ingest topic, compute the built-in and SQL queries, keep the SQLite mirror and write
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
        let queries = try ConfiguredQueries.runnable(config)
        let values = try ConfiguredQueries.values(config)  // the enabled built-ins', then `queries`': the engine's order
        let topicName = topic ?? TopicNames(tenant: config.tenant).ingest
        var consumerConfig = kafka
        for (key, value) in consumerProperties { consumerConfig[key] = value }
        let consumer = try KafkaConsumer(config: consumerConfig, groupID: group ?? "tripstream-\(config.tenant)")
        let partitions = try consumer.partitionCount(topic: topicName)
        guard partitions > 0 else { throw KafkaError(configuration: "topic \(topicName) has no partitions", operation: "run") }
        if resultTopics {
            // Fail at start, not after a delivery timeout, when the cluster lacks the output topics.
            let names = TopicNames(tenant: config.tenant)
            for name in [names.deadLetters] + values.map({ names.results(query: $0.name) }) {
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
        let mirror = try SQLiteMirror(path: database, tenant: config.tenant, walCheckpoints: .background(pages: 100),
                                      queries: values)
        var store: CheckpointStore?
        var resumed: Resumed?
        if let dir = stateDirectory {
            let s = try CheckpointStore(directory: dir, fingerprint: fingerprint, reset: reset)
            store = s
            resumed = try EpochDriver.restore(from: s, stateDirectory: dir, mirror: mirror, database: database,
                                              rules: TopicResumeRules(topic: topicName, partitions: partitions),
                                              logger: logger)
        }
        if resumed == nil { try mirror.clearTenant() }
        let engine = Engine(config: config, queries: queries, state: resumed?.state ?? EngineState())
        telemetry?.start(from: engine.state.counters)
        let results = resultTopics ? try ResultTopicSink(kafka: kafka, tenant: config.tenant, queries: values,
                                                          logger: logger, telemetry: telemetry) : nil
        let sinks: [EpochSink] = (results.map { [$0] } ?? []) + [MirrorSink(mirror: mirror, telemetry: telemetry)]
        let writer = CommitCoordinator(sinks: sinks, checkpoints: store, telemetry: telemetry)
        let source = try KafkaEpochSource(
            job: self, consumer: consumer, topic: topicName, partitions: partitions,
            position: resumed?.checkpoint.position,
            loggedCuts: try store?.loggedCuts(after: resumed?.checkpoint.epoch ?? 0) ?? [:],
            cutLog: store == nil ? nil : writer, layout: engine.layout, logger: logger, shouldStop: shouldStop)
        let driver = EpochDriver(engine: engine, writer: writer, checkpoints: store.map { CheckpointPlan(store: $0) })
        var summary = try driver.run(source, start: start, resumedAfterEpoch: resumed?.checkpoint.epoch)
        (latencies.milliseconds, latencies.newestPerEpochMilliseconds, latencies.sinceArrivalMilliseconds) = writer.latencies
        summary.deadLettersRefused = results?.refusedDeadLetters ?? 0
        return summary
    }
}
