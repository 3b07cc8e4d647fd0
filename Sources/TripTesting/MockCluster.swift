import TripCore
import TripKafka

/// An in-process mock cluster with `tenant`'s topics: ingest with `ingestPartitions`, the others with one each.
public func mockCluster(tenant: String, ingestPartitions: Int) throws -> KafkaMockCluster {
    let cluster = try KafkaMockCluster()
    let topics = TopicNames(tenant: tenant)
    try cluster.createTopic(topics.ingest, partitions: ingestPartitions)
    for name in [topics.deadLetters] + QueryName.allCases.map(topics.results) { try cluster.createTopic(name, partitions: 1) }
    return cluster
}
