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
}
