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

    static func run(file: String, config: TripstreamConfig, rate: Double, tmp: String, logger: Logger) throws {
        let dir = "\(tmp)/tripstream-bench-kafka-\(getpid())"
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }

        // Throughput: produce everything, then run over the complete topic.
        let first = try cluster(config.tenant, ingestPartitions: 64)
        let kafka = KafkaConfig(bootstrapServers: first.bootstrapServers)
        let produced = try ProduceJob(input: file, kafka: kafka, config: config).run()
        print(String(format: "produce  %9.3f s  %12.0f rows/s  delivered %lld, failed %lld  (64 partitions)",
                     produced.seconds, Double(produced.rowsRead) / produced.seconds, produced.delivered, produced.failed))
        var job = RunJob(kafka: kafka, config: config, database: "\(dir)/t.sqlite")
        job.stateDirectory = "\(dir)/t.state"
        job.stopAtEnd = true
        let summary = try job.run(logger: logger)
        print(String(format: "run      %9.3f s  %12.0f rows/s  consume → four queries → mirror → result topics → checkpoint",
                     summary.seconds, Double(summary.counters.rowsRead) / summary.seconds)
              + String(format: ", peak RSS %.1f MiB", Double(summary.peakRSSBytes) / 1_048_576))

        // Latency: run live while produce sends at a fixed rate with wall-clock timestamps.
        let second = try cluster(config.tenant, ingestPartitions: 64)
        let kafka2 = KafkaConfig(bootstrapServers: second.bootstrapServers)
        var live = RunJob(kafka: kafka2, config: config, database: "\(dir)/l.sqlite")
        live.stateDirectory = "\(dir)/l.state"
        live.measureLatency = true
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
        let sorted = latencies.milliseconds.sorted()
        guard !sorted.isEmpty else { print("latency  no epoch completed"); return }
        func pct(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))] }
        let epochMs = Double(config.epochRows) / rate * 1000
        print(String(format: "latency  p50 %.1f ms, p99 %.1f ms, max %.1f ms over %d epochs at %.0f rows/s (sent %.0f rows/s); "
                     + "epoch interval %.0f ms, so p99 is %.1f ms beyond it",
                     pct(0.5), pct(0.99), sorted.last!, sorted.count, rate, Double(paced.rowsRead) / paced.seconds,
                     epochMs, pct(0.99)))
    }
}

/// A flag one thread sets and another reads (with a lock: correct, not fast, and read once per poll).
final class StopFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
