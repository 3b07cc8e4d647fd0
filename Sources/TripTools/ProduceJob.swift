import Foundation
import TripCore
import TripKafka
import TripParsing
import TripSources

/// `tripstream produce`: the original `kafka_producer.py`, done properly. Reads the portal CSV with the
/// replay's parser and dead-letter rules, sends one JSON object per good row to the ingest topic keyed by
/// trip id, and bad rows to the dead-letter topic. Every message gets a delivery report; failures are counted
/// and reported, never dropped silently.
public struct ProduceJob: Sendable {
    public enum Pacing: Sendable, Equatable {
        case asFastAsPossible
        /// Rows per second.
        case rate(Double)
        /// Event time replayed this many times faster than real time.
        case speedup(Double)
    }

    public var input: String
    public var kafka: KafkaConfig
    public var config: TripstreamConfig
    public var topic: String?
    public var pacing: Pacing = .asFastAsPossible
    /// Message timestamps: the row's event time (default), or the producer's wall clock (latency benchmarks).
    public var wallClockTimestamps = false

    public init(input: String, kafka: KafkaConfig, config: TripstreamConfig) {
        self.input = input
        self.kafka = kafka
        self.config = config
    }

    public struct Summary: Sendable {
        public var rowsRead: Int64 = 0
        public var produced: Int64 = 0
        public var deadLettered: Int64 = 0
        public var delivered: Int64 = 0
        public var failed: Int64 = 0
        public var firstFailure: KafkaError?
        public var seconds = 0.0
    }

    /// The producer's settings: `kafka`, and when paced, linger.ms 1 unless set. Paced rows stand for live events:
    /// each goes out within about a millisecond instead of after librdkafka's 5 ms of batching, which showed in
    /// the latency from production to arrival in `run`. As fast as possible, the default batching serves
    /// throughput.
    public var producerConfig: KafkaConfig {
        var config = kafka
        if pacing != .asFastAsPossible { config.setDefault("linger.ms", "1") }
        return config
    }

    public func run(onProgress: ((Summary) -> Void)? = nil) throws -> Summary {
        let topics = TopicNames(tenant: config.tenant)
        let ingest = topic ?? topics.ingest
        let reader = try CSVFileReader(path: input)
        var decoder = try TripDecoder(header: reader.header, timeColumn: config.timeColumn, zone: config.timeZone,
                                      now: { Clock.wallMilliseconds() })
        var encoder = TripJSONEncoder(header: reader.header)
        let tripID = reader.header.index(of: "trip_id")
        let producer = try KafkaProducer(config: producerConfig)
        var locations = StringInterner()
        var summary = Summary()
        let start = Clock.monotonicSeconds()
        var firstEventTime: EventTime?
        var lastReport = start
        while let record = try reader.next() {
            summary.rowsRead += 1
            var reason = record.malformed
            var eventTime: EventTime = 0
            if reason == nil {
                switch decoder.decode(record.bytes, fields: reader.fields, locations: &locations) {
                case .trip(let t): eventTime = t.eventTime
                case .rejected(let r): reason = r
                }
            }
            if let reason {
                let value = "{\"tenant\":\"\(config.tenant)\",\"source\":\(JSONText.string(input)),\"position\":\(record.offset),"
                    + "\"reason\":\(JSONText.string(reason)),\"raw\":\(JSONText.string(String(decoding: record.bytes, as: UTF8.self)))}"
                try producer.send(topic: topics.deadLetters, key: Array("\(input):\(record.offset)".utf8), value: Array(value.utf8))
                summary.deadLettered += 1
                continue
            }
            try pace(eventTime: eventTime, row: summary.produced, start: start, first: &firstEventTime)
            encoder.encode(record.bytes, fields: reader.fields,
                           eventTimestamp: CivilDate.isoUTC(seconds: floorDiv(eventTime, 1000)))
            let key: [UInt8] = tripID.map { Array(reader.fields[$0].bytes(in: record.bytes)) } ?? Array("\(record.offset)".utf8)
            try producer.send(topic: ingest, key: key, value: encoder.bytes,
                              timestampMs: wallClockTimestamps ? Clock.wallMilliseconds() : eventTime)
            summary.produced += 1
            if summary.produced % 1024 == 0 {
                producer.poll()
                let now = Clock.monotonicSeconds()
                if now - lastReport > 0.2 {
                    lastReport = now
                    summary.delivered = producer.delivered
                    summary.failed = producer.failed
                    summary.seconds = now - start
                    onProgress?(summary)
                }
            }
        }
        // Every message reported before we say anything about the outcome.
        let deadline = Clock.monotonicSeconds() + 60
        while producer.outstanding > 0 && Clock.monotonicSeconds() < deadline { producer.poll(timeoutMs: 100) }
        summary.delivered = producer.delivered
        summary.failed = producer.failed + Int64(producer.outstanding)
        summary.firstFailure = producer.firstFailure
        summary.seconds = Clock.monotonicSeconds() - start
        return summary
    }

    func pace(eventTime: EventTime, row: Int64, start: Double, first: inout EventTime?) throws {
        let due: Double
        switch pacing {
        case .asFastAsPossible: return
        case .rate(let r): due = start + Double(row) / r
        case .speedup(let x):
            if first == nil { first = eventTime }
            due = start + Double(eventTime - first!) / 1000 / x
        }
        let wait = due - Clock.monotonicSeconds()
        if wait > 0.0005 { usleep(UInt32(min(wait, 5) * 1_000_000)) }
    }
}
