import Foundation
import Logging
import TripCore
import TripKafka
import TripPipeline
import TripTelemetry
import TripTools

/// The Kafka scenario of `tripstream bench`, on an in-process mock cluster (loopback).
enum BenchKafka {
    /// The tenant's topics on an in-process mock cluster.
    static func cluster(_ tenant: String, brokers: Int = 1, ingestPartitions: Int, resultPartitions: Int) throws -> KafkaMockCluster {
        let cluster = try KafkaMockCluster(brokers: brokers)
        let topics = TopicNames(tenant: tenant)
        try cluster.createTopic(topics.ingest, partitions: ingestPartitions)
        for t in [topics.deadLetters] + QueryName.allCases.map(topics.results) { try cluster.createTopic(t, partitions: resultPartitions) }
        return cluster
    }

    /// Throughput (produce everything, then `run` over the complete topic), then produce→result latency with
    /// `run` live while produce sends at `rate` rows/s with wall-clock timestamps, once per epoch interval in
    /// `intervalsMs`. Each live run cuts an epoch at the latest one interval after its first message arrived
    /// (`--max-epoch-delay`), as a deployment that cares for latency would, with `epochRows` × 8 so that the
    /// delay alone cuts; every message's latency counts.
    static func run(file: String, config: TripstreamConfig, rate: Double, intervalsMs: [Double],
                    liveLayout: (brokers: Int, partitions: Int), tmp dir: String, logger: Logger) throws -> BenchResult {
        // The whole input is stored before run starts, and the mock keeps only ~5 MB per partition: many partitions.
        let first = try cluster(config.tenant, ingestPartitions: 64, resultPartitions: 8)
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
        r.figures["latency_rate_rows_per_second"] = rate
        r.targets = [.init("run rows/s", r.rowsPerSecond, atLeast: 200_000)]
        var notes: [String] = []
        for intervalMs in intervalsMs {
            let live = try latency(file: file, config: config, rate: rate, intervalMs: intervalMs, layout: liveLayout,
                                   dir: "\(dir)/live-\(Int(intervalMs))", logger: logger)
            let key = "latency_\(Int(intervalMs))ms"
            r.figures[key + "_p50_ms"] = live.p50
            r.figures[key + "_p99_ms"] = live.p99
            r.figures[key + "_messages"] = Double(live.messages)
            r.figures[key + "_newest_per_epoch_p50_ms"] = live.newestP50
            r.figures[key + "_newest_per_epoch_p99_ms"] = live.newestP99
            r.figures[key + "_sent_rows_per_second"] = live.sentRate
            r.figures[key + "_since_arrival_p50_ms"] = live.sinceArrivalP50
            r.figures[key + "_since_arrival_p99_ms"] = live.sinceArrivalP99
            r.figures[key + "_arrival_lag_p50_ms"] = live.arrivalLagP50
            r.figures[key + "_arrival_lag_p99_ms"] = live.arrivalLagP99
            r.targets.append(.init("p99 beyond \(Int(intervalMs)) ms interval", live.p99 - intervalMs, atMost: 10))
            notes.append(String(format: "%.0f ms epochs: p50 %.0f, p99 %.0f ms (from arrival in run: p50 %.0f, p99 %.0f; "
                                + "production to arrival: p50 %.0f, p99 %.0f; each epoch's newest message: p50 %.0f, p99 %.0f)",
                                intervalMs, live.p50, live.p99, live.sinceArrivalP50, live.sinceArrivalP99,
                                live.arrivalLagP50, live.arrivalLagP99, live.newestP50, live.newestP99))
        }
        let floor = try deliveryFloorMilliseconds(first, messages: config.epochRows)
        r.figures["mock_delivery_floor_ms"] = floor
        r.note = String(format: "mock cluster in-process; throughput: 1 broker, 64 ingest partitions, produce %.0f rows/s; latency (dev-broker layout: 3 brokers, 4 partitions per topic) at %.0f rows/s over %d messages: ",
                        r.figures["produce_rows_per_second"]!, rate, summary.counters.rowsRead)
            + notes.joined(separator: "; ")
            + String(format: "; the mock alone takes %.0f ms to accept %d messages", floor, config.epochRows)
        return r
    }

    /// One live run on a cluster of its own: percentiles of produce → result latency, in ms.
    static func latency(file: String, config: TripstreamConfig, rate: Double, intervalMs: Double,
                        layout: (brokers: Int, partitions: Int), dir: String, logger: Logger) throws -> (p50: Double, p99: Double, messages: Int, newestP50: Double, newestP99: Double,
                                                   sentRate: Double, sinceArrivalP50: Double, sinceArrivalP99: Double,
                                                   arrivalLagP50: Double, arrivalLagP99: Double) {
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        // `tripstream dev-broker`'s layout (3 brokers, 4 partitions per topic): what a user trying the live setup gets.
        // Messages are consumed as they come, so retention does not matter here. librdkafka sends one partition per
        // produce request, at most 5 in flight per broker when idempotent, so the layout shapes the latency: the
        // earlier one (64 ingest and 8 result partitions on one broker) measured slower (docs/performance.md).
        let cluster = try cluster(config.tenant, brokers: layout.brokers, ingestPartitions: layout.partitions,
                                  resultPartitions: layout.partitions)
        let kafka = KafkaConfig(bootstrapServers: cluster.bootstrapServers)
        // Epochs by delay only: a count cut (aligned at the share-th messages' event time) leaves the faster
        // partitions' later messages behind and races with the delay cut, two epochs back to back.
        var liveConfig = config
        liveConfig.epochRows = config.epochRows * 8
        var live = RunJob(kafka: kafka, config: liveConfig, database: "\(dir)/l.sqlite")
        live.stateDirectory = "\(dir)/l.state"
        live.measureLatency = true
        live.maxEpochDelay = intervalMs / 1000
        // A Kafka broker answers a fetch as soon as data arrives; librdkafka's mock holds a fetch that finds
        // nothing for the whole fetch.wait.max.ms (its source says so), so run's default of 50 ms delayed each
        // message's arrival in a way a real broker would not. 2 ms stands in for the real broker's early answer.
        live.consumerProperties = ["fetch.wait.max.ms": "2"]
        let stop = StopFlag()
        let done = DispatchSemaphore(value: 0)
        let latencies = live.latencies
        let thread = Thread { [live] in
            _ = try? live.run(logger: logger) { stop.isSet }
            done.signal()
        }
        thread.start()
        usleep(1_000_000)  // connected and waiting
        var producer = ProduceJob(input: file, kafka: kafka, config: config)
        producer.pacing = .rate(rate)
        producer.wallClockTimestamps = true
        let paced = try producer.run()
        usleep(2_000_000)
        stop.set()
        done.wait()
        func percentile(_ sorted: [Double], _ p: Double) -> Double {
            sorted.isEmpty ? .nan : sorted[min(sorted.count - 1, Int(Double(sorted.count - 1) * p))]
        }
        let sorted = latencies.milliseconds.sorted()
        let newest = latencies.newestPerEpochMilliseconds.sorted()
        let inRun = latencies.sinceArrivalMilliseconds.sorted()
        // Production → arrival in run, per message: the producer's batching and the broker's fetch.
        let lag = zip(latencies.milliseconds, latencies.sinceArrivalMilliseconds).map { $0 - $1 }.sorted()
        return (percentile(sorted, 0.5), percentile(sorted, 0.99), sorted.count, percentile(newest, 0.5),
                percentile(newest, 0.99), Double(paced.rowsRead) / paced.seconds, percentile(inRun, 0.5), percentile(inRun, 0.99),
                percentile(lag, 0.5), percentile(lag, 0.99))
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
            // Served as `run` serves them, each report as it comes (`flush` wakes only every 10 ms in librdkafka 2.0).
            let deadline = Clock.monotonicSeconds() + 60
            while producer.outstanding > 0 && Clock.monotonicSeconds() < deadline { producer.poll(timeoutMs: 1) }
            guard producer.outstanding == 0 else { throw BenchError("the mock did not accept \(messages) messages in 60 s") }
            best = min(best, (Clock.monotonicSeconds() - start) * 1000)
        }
        return best
    }
}
