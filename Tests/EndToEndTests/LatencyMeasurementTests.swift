import Testing
import TripCore
import TripFixtures
import TripKafka
import TripPipeline

/// `run`'s latency measurement (the bench's): one figure per consumed message from its production, and one from
/// its arrival in `run`.
@Suite struct LatencyMeasurementTests {
    @Test func everyMessageHasALatencyFromProductionAndFromArrival() throws {
        let dir = scratchDirectory()
        var options = GeneratorOptions()
        options.rows = 600
        options.seed = 5
        options.badFraction = 0.02
        let file = try generate(options, in: dir)
        let cluster = try KafkaMockCluster()
        var config = TripstreamConfig.chicago
        config.tenant = "lat"
        config.epochRows = 100
        let topics = TopicNames(tenant: config.tenant)
        try cluster.createTopic(topics.ingest, partitions: 2)
        for name in [topics.deadLetters] + QueryName.allCases.map(topics.results) { try cluster.createTopic(name, partitions: 1) }
        let kafka = KafkaConfig(bootstrapServers: cluster.bootstrapServers)
        var producer = ProduceJob(input: file.path, kafka: kafka, config: config)
        producer.wallClockTimestamps = true
        let produced = try producer.run()
        #expect(produced.failed == 0 && produced.produced > 500)

        var job = RunJob(kafka: kafka, config: config, database: "\(dir)/m.sqlite")
        job.stopAtEnd = true
        job.measureLatency = true
        let summary = try job.run(logger: quietLogger)
        let latencies = job.latencies
        #expect(summary.counters.rowsRead == produced.produced)
        #expect(latencies.milliseconds.count == Int(produced.produced))
        #expect(latencies.sinceArrivalMilliseconds.count == latencies.milliseconds.count)
        #expect(latencies.newestPerEpochMilliseconds.count == Int(summary.epochs))
        // Everything was produced before `run` started, so each message arrived strictly after its production.
        for (fromProduction, fromArrival) in zip(latencies.milliseconds, latencies.sinceArrivalMilliseconds) {
            #expect(fromArrival >= 0 && fromArrival < fromProduction)
        }
    }
}
