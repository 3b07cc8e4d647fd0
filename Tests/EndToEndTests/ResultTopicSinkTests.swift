import Testing
import TripCore
import TripKafka
@testable import TripPipeline

/// The result producer's own defaults, read back from the librdkafka handle it runs with.
@Suite struct ResultTopicSinkTests {
    @Test func resultsLingerOneMillisecondUnlessTold() throws {
        let cluster = try KafkaMockCluster()
        let topics = TopicNames(tenant: "t")
        for name in [topics.deadLetters] + QueryName.allCases.map(topics.results) { try cluster.createTopic(name, partitions: 1) }
        let sink = try ResultTopicSink(kafka: KafkaConfig(bootstrapServers: cluster.bootstrapServers), tenant: "t")
        #expect(sink.producer.configValue("linger.ms") == "1")
        #expect(sink.producer.configValue("socket.nagle.disable") == "true")
        let told = try ResultTopicSink(kafka: KafkaConfig(bootstrapServers: cluster.bootstrapServers, ["linger.ms": "20"]), tenant: "t")
        #expect(told.producer.configValue("linger.ms") == "20")
    }

    /// A paced `produce` stands for live events and lingers 1 ms; as fast as possible it keeps librdkafka's
    /// batching; an explicit setting wins either way.
    @Test func pacedProductionLingersOneMillisecondUnlessTold() throws {
        var job = ProduceJob(input: "unused.csv", kafka: KafkaConfig(bootstrapServers: "127.0.0.1:1"), config: .chicago)
        func linger(_ job: ProduceJob) throws -> String? { try KafkaProducer(config: job.producerConfig).configValue("linger.ms") }
        #expect(try linger(job) == "5")  // librdkafka's own default
        job.pacing = .rate(50_000)
        #expect(try linger(job) == "1")
        job.pacing = .speedup(60)
        #expect(try linger(job) == "1")
        job.kafka["linger.ms"] = "20"
        #expect(try linger(job) == "20")
    }
}
