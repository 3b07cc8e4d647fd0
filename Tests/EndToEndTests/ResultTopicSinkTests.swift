import Testing
import TripCore
import TripEngine
import TripKafka
@testable import TripPipeline
import TripTools

/// The result producer's own defaults, read back from the librdkafka handle it runs with.
@Suite struct ResultTopicSinkTests {
    @Test func resultsLingerOneMillisecondUnlessTold() throws {
        let cluster = try KafkaMockCluster()
        let topics = TopicNames(tenant: "t")
        for name in [topics.deadLetters] + QueryName.allCases.map(topics.results) { try cluster.createTopic(name, partitions: 1) }
        let sink = try ResultTopicSink(kafka: KafkaConfig(bootstrapServers: cluster.bootstrapServers), tenant: "t",
                                       queries: Engine(config: .chicago).queries)
        #expect(sink.producer.configValue("linger.ms") == "1")
        #expect(sink.producer.configValue("socket.nagle.disable") == "true")
        let told = try ResultTopicSink(kafka: KafkaConfig(bootstrapServers: cluster.bootstrapServers, ["linger.ms": "20"]), tenant: "t",
                                       queries: Engine(config: .chicago).queries)
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

    /// The broker refuses a dead letter as too large (a topic limit below the cap): the delivery report's error
    /// is counted, not fatal, so the epoch settles and the run goes on. Other failures stay fatal.
    @Test func aDeadLetterTheBrokerRefusesAsTooLargeIsCountedNotFatal() throws {
        let cluster = try KafkaMockCluster()
        let topics = TopicNames(tenant: "t")
        for name in [topics.deadLetters] + QueryName.allCases.map(topics.results) { try cluster.createTopic(name, partitions: 1) }
        let sink = try ResultTopicSink(kafka: KafkaConfig(bootstrapServers: cluster.bootstrapServers), tenant: "t",
                                       queries: Engine(config: .chicago).queries)
        cluster.failProduceRequests(1, code: 10)  // MSG_SIZE_TOO_LARGE
        let dead = DeadLetter(query: nil, offset: 3, reason: "not JSON", raw: "x", source: "in[0]")
        try sink.write(EpochOutput(epoch: 1), deadLetters: [dead], source: "in")
        _ = try sink.waitDelivered(through: 1)
        #expect(sink.refusedDeadLetters == 1)
        try sink.write(EpochOutput(epoch: 2), deadLetters: [dead], source: "in")
        _ = try sink.waitDelivered(through: 2)
        #expect(sink.refusedDeadLetters == 1)

        cluster.failProduceRequests(1, code: 29)  // TOPIC_AUTHORIZATION_FAILED: not a size, still fatal
        try sink.write(EpochOutput(epoch: 3), deadLetters: [dead], source: "in")
        #expect(throws: KafkaError.self) { _ = try sink.waitDelivered(through: 3) }
    }
}
