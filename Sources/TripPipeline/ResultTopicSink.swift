import Foundation
import Logging
import TripCore
import TripEngine
import TripKafka
import TripSinks
import TripTelemetry

/// Writes each epoch's result rows to the query's result topic, in the JSON the Kafka Connect Cassandra sink
/// maps (the original field names: `window` {start, end}, total_fare, …, count), plus `tenant`,
/// `window_start`/`window_end` (Unix seconds), `day`, `final`. The message key is the row's deterministic
/// result key, so a re-emitted epoch overwrites with identical values: after any crash the compacted view
/// (last value per key) equals an uninterrupted run. `write` only queues an epoch's messages (tagged with the
/// epoch); `deliveredAt(through:)` tells when every message of that epoch and the earlier ones was delivered,
/// which is when the epoch's checkpoint may be written.
public final class ResultTopicSink: @unchecked Sendable {
    let producer: KafkaProducer
    let topics: TopicNames
    let tenant: String
    /// Per query (in the order of `EpochOutput.queries`): its topic, opened once, and its message builder.
    let queryTopics: [KafkaProducer.Topic]
    var queryMessages: [QueryMessage]

    let logger: Logger?
    let telemetry: PipelineTelemetry?
    /// Dead letters refused as too large for the dead-letter topic (by librdkafka, a `message.max.bytes` below
    /// what `DeadLetterMessage` caps them at, or by the broker, a topic limit below it): counted and logged,
    /// never fatal; the mirror keeps them.
    public var refusedDeadLetters: Int64 { refusedOnSend + producer.refusedAsTooLarge }
    /// Refused by librdkafka as they were sent; and of those the broker refused, how many were logged. Only the
    /// writer thread touches them until the run is over.
    private var refusedOnSend: Int64 = 0
    private var refusedByBrokerLogged: Int64 = 0

    /// `queries`: every query whose results `write` sends, in the engine's order (`Engine.queries`: the built-ins,
    /// to their original topics, then the SQL queries, each to `<tenant>_<name>`).
    public init(kafka: KafkaConfig, tenant: String, queries: [AnalyticQuery], logger: Logger? = nil,
                telemetry: PipelineTelemetry? = nil) throws {
        self.logger = logger
        self.telemetry = telemetry
        var kafka = kafka
        // An epoch's messages are queued in one burst and then waited for: lingering only holds back its last,
        // partly filled batches (librdkafka's default is 5 ms). In the bench's live run, 1 ms took p50 latency
        // from 25 to 22 ms and the epoch's newest message from 16 to 13 ms, at the same throughput.
        kafka.setDefault("linger.ms", "1")
        // Reports are served as they come on the producer's own thread: the writer, busy with the SQLite commit
        // meanwhile, learns when each epoch's results became visible, not when it got round to asking.
        producer = try KafkaProducer(config: kafka, reportThread: true)
        let topics = TopicNames(tenant: tenant)
        self.topics = topics
        self.tenant = tenant
        let names = queries.map { topics.results(query: $0.name) }
        try producer.prepare(topics: [topics.deadLetters] + names)
        producer.tolerateTooLarge(topic: topics.deadLetters)
        let producer = producer
        queryTopics = try names.map { try producer.topic($0) }
        queryMessages = queries.map { QueryMessage(query: $0, tenant: tenant) }
    }

    public func write(_ output: EpochOutput, deadLetters: [DeadLetter], source: String) throws {
        tag = UInt(output.epoch)
        for (q, results) in output.queries.enumerated() where !results.finals.isEmpty {
            // A local builder: its buffers are mutated without the exclusivity checks a class property costs.
            var message = queryMessages[q]
            defer { queryMessages[q] = message }
            let topic = queryTopics[q]
            try ResultColumn.withPointers(results.columns) { columns in
                for r in 0..<results.finals.count {
                    message.build(columns, row: r, windowStart: results.windowStarts[r], windowEnd: results.windowEnds[r],
                                  final: results.finals[r])
                    try producer.send(to: topic, key: message.key, value: message.value, tag: tag)
                }
            }
        }
        for d in deadLetters {
            let source = d.source ?? source
            let key = Array("\(source)|\(d.offset)|\(d.queryName)".utf8)
            do {
                try producer.send(topic: topics.deadLetters, key: key,
                                  value: DeadLetterMessage.value(d, tenant: tenant, source: source), tag: tag)
            } catch let error as KafkaError where error.isMessageTooLarge {
                refusedOnSend += 1
                telemetry?.deadLetterRefused()
                logger?.warning("dead letter of \(source) position \(d.offset) refused by Kafka (\(error.message)); it is kept in the mirror only")
            }
        }
        if let failure = producer.firstFailure { throw failure }
    }

    /// The epoch being written: the tag of its messages.
    var tag: UInt = 0

    /// When the last message of epochs ≤ `epoch` was delivered (monotonic seconds; -infinity if they had none), or
    /// nil while one is not. A failed delivery throws: the checkpoint must not move past it, and the restart
    /// re-sends. Ask in epoch order.
    func deliveredAt(through epoch: Int64) throws -> Double? {
        if let failure = producer.firstFailure {
            telemetry?.produceFailed()
            throw failure
        }
        let refused = producer.refusedAsTooLarge
        if refused > refusedByBrokerLogged {
            // The report names no record (its offset is unknown): the mirror's dead letters of the epoch have it.
            logger?.warning("""
                \(refused - refusedByBrokerLogged) dead letters of epochs up to \(epoch) refused by the broker as too large \
                for \(topics.deadLetters); they are kept in the mirror only
                """)
            for _ in refusedByBrokerLogged..<refused { telemetry?.deadLetterRefused() }
            refusedByBrokerLogged = refused
        }
        return producer.reportedAt(throughTag: UInt(epoch))
    }

    /// Called on the report thread whenever some epoch's messages are all reported.
    var onDeliveryReported: (() -> Void)? {
        get { producer.onTagReported }
        set { producer.onTagReported = newValue }
    }

    /// Waits until every message of epochs ≤ `epoch` is delivered, or fails after a minute; returns when.
    func waitDelivered(through epoch: Int64) throws -> Double {
        let deadline = Clock.monotonicSeconds() + 60
        while true {
            if let at = try deliveredAt(through: epoch) { return at }
            guard Clock.monotonicSeconds() < deadline else {
                telemetry?.produceFailed()
                throw KafkaError(configuration: "result messages of epoch \(epoch) still undelivered after 60 s",
                                 operation: "delivering results")
            }
            producer.poll(timeoutMs: 20)
        }
    }
}
