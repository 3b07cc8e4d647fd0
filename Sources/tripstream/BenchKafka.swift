import Foundation
import Logging
import TripCore
import TripKafka
import TripPipeline

/// The Kafka scenario of `tripstream bench`, on an in-process mock cluster (loopback).
enum BenchKafka {
    /// A topic set with many ingest partitions: the mock keeps only ~5 MB per partition.
    static func cluster(_ tenant: String, ingestPartitions: Int) throws -> KafkaMockCluster {
        let cluster = try KafkaMockCluster(brokers: 1)
        let topics = TopicNames(tenant: tenant)
        try cluster.createTopic(topics.ingest, partitions: ingestPartitions)
        for t in [topics.deadLetters] + QueryName.allCases.map(topics.results) { try cluster.createTopic(t, partitions: 8) }
        return cluster
    }

    /// Throughput (produce everything, then `run` over the complete topic), then produce→result latency with
    /// `run` live while produce sends at `rate` rows/s with wall-clock timestamps. The live run cuts an epoch
    /// at the latest one epoch interval (`epochRows` at `rate`) after its first message arrived
    /// (`--max-epoch-delay`), as a deployment that cares for latency would, with `epochRows` × 8 so that the
    /// delay alone cuts; every message's latency counts.
    static func run(file: String, config: TripstreamConfig, rate: Double, tmp dir: String, logger: Logger) throws -> BenchResult {
        let first = try cluster(config.tenant, ingestPartitions: 64)
        let kafka = KafkaConfig(bootstrapServers: first.bootstrapServers)
        let produced = try ProduceJob(input: file, kafka: kafka, config: config).run()
        var job = RunJob(kafka: kafka, config: config, database: "\(dir)/t.sqlite")
        job.stateDirectory = "\(dir)/t.state"
        job.stopAtEnd = true
        let cpu0 = Clock.cpuSeconds()
        let summary = try job.run(logger: logger)
        var r = BenchResult(scenario: "kafka", rows: summary.counters.rowsRead, bytes: BenchScenario.fileSize(file),
                            seconds: summary.seconds, cpuSeconds: Clock.cpuSeconds() - cpu0, peakRSSBytes: summary.peakRSSBytes)
        r.figures["produce_rows_per_second"] = Double(produced.rowsRead) / produced.seconds
        r.figures["produce_failed"] = Double(produced.failed)

        let second = try cluster(config.tenant, ingestPartitions: 64)
        let kafka2 = KafkaConfig(bootstrapServers: second.bootstrapServers)
        // Epochs by delay only: a count cut (aligned at the share-th messages' event time) leaves the faster
        // partitions' later messages behind and races with the delay cut, two epochs back to back.
        var liveConfig = config
        liveConfig.epochRows = config.epochRows * 8
        var live = RunJob(kafka: kafka2, config: liveConfig, database: "\(dir)/l.sqlite")
        live.stateDirectory = "\(dir)/l.state"
        live.measureLatency = true
        let epochMs = Double(config.epochRows) / rate * 1000
        live.maxEpochDelay = epochMs / 1000
        let stop = StopFlag()
        let done = DispatchSemaphore(value: 0)
        let latencies = live.latencies
        let thread = Thread { [live] in
            _ = try? live.run(logger: logger) { stop.isSet }
            done.signal()
        }
        thread.start()
        usleep(1_000_000)  // connected and waiting
        var producer = ProduceJob(input: file, kafka: kafka2, config: config)
        producer.pacing = .rate(rate)
        producer.wallClockTimestamps = true
        let paced = try producer.run()
        usleep(2_000_000)
        stop.set()
        done.wait()
        let floor = try deliveryFloorMilliseconds(second, messages: config.epochRows)
        let sorted = latencies.milliseconds.sorted()
        func percentile(_ sorted: [Double], _ p: Double) -> Double {
            sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
        }
        func pct(_ p: Double) -> Double { percentile(sorted, p) }
        let newest = latencies.newestPerEpochMilliseconds.sorted()
        r.figures["latency_rate_rows_per_second"] = rate
        r.figures["latency_sent_rows_per_second"] = Double(paced.rowsRead) / paced.seconds
        r.figures["latency_p50_ms"] = pct(0.5)
        r.figures["latency_p99_ms"] = pct(0.99)
        r.figures["latency_messages"] = Double(sorted.count)
        r.figures["latency_newest_per_epoch_p50_ms"] = percentile(newest, 0.5)
        r.figures["latency_newest_per_epoch_p99_ms"] = percentile(newest, 0.99)
        r.figures["epoch_interval_ms"] = epochMs
        r.figures["mock_delivery_floor_ms"] = floor
        r.note = String(format: "mock cluster in-process, 64 ingest partitions; produce %.0f rows/s; latency at %.0f rows/s: "
                        + "p50 %.0f ms, p99 %.0f ms over %d messages (epoch interval %.0f ms; "
                        + "each epoch's newest message: p50 %.0f, p99 %.0f ms); the mock alone takes %.0f ms to accept %d messages",
                        r.figures["produce_rows_per_second"]!, rate, pct(0.5), pct(0.99), sorted.count, epochMs,
                        percentile(newest, 0.5), percentile(newest, 0.99), floor, config.epochRows)
        r.targets = [.init("run rows/s", r.rowsPerSecond, atLeast: 200_000),
                     .init("p99 beyond epoch interval ms", pct(0.99) - epochMs, atMost: 10)]
        return r
    }
}

extension BenchKafka {
    /// How long the mock cluster takes to accept `messages` result-sized messages (100-byte values, 8 partitions)
    /// from a producer with nothing else running, best of three: a floor under what an epoch's results need
    /// beyond the epoch interval on this machine, where the broker shares the cores.
    static func deliveryFloorMilliseconds(_ cluster: KafkaMockCluster, messages: Int) throws -> Double {
        try cluster.createTopic("delivery-floor", partitions: 8)
        let producer = try KafkaProducer(config: KafkaConfig(bootstrapServers: cluster.bootstrapServers))
        try producer.prepare(topics: ["delivery-floor"])
        let topic = try producer.topic("delivery-floor")
        let value = [UInt8](repeating: UInt8(ascii: "x"), count: 100)
        var best = Double.infinity
        for _ in 0..<3 {
            let start = Clock.monotonicSeconds()
            for i in 0..<messages { try producer.send(to: topic, key: Array(String(i).utf8), value: value) }
            try producer.flush(timeoutMs: 60_000)
            best = min(best, (Clock.monotonicSeconds() - start) * 1000)
        }
        return best
    }
}

/// A flag one thread sets and another reads (with a lock: correct, not fast, and read once per poll).
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
