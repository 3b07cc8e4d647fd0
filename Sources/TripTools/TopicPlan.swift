import TripCore
import TripKafka

/// The topics `tripstream create-topics` creates for a tenant: ingest, dead letters and the result topics of
/// the four built-ins and of the configuration's SQL queries.
/// Result topics are compacted by default: their keys are the deterministic result keys, so the compacted topic
/// keeps exactly the latest result per key, the view that equals an uninterrupted run after any crash.
public enum TopicPlan {
    /// nil partitions or replication factor: -1, the cluster's default (KIP-464).
    public static func topics(tenant: String, ingestPartitions: Int?, partitions: Int?, replicationFactor: Int?,
                              compact: Bool, userQueries: [String] = []) -> [KafkaAdmin.NewTopic] {
        let names = TopicNames(tenant: tenant)
        let replicas = replicationFactor ?? -1
        return [KafkaAdmin.NewTopic(name: names.ingest, partitions: ingestPartitions ?? -1, replicationFactor: replicas),
                KafkaAdmin.NewTopic(name: names.deadLetters, partitions: partitions ?? -1, replicationFactor: replicas)]
            + names.resultTopics(userQueries: userQueries).map {
                KafkaAdmin.NewTopic(name: $0, partitions: partitions ?? -1, replicationFactor: replicas,
                                    settings: compact ? ["cleanup.policy": "compact"] : [:])
            }
    }
}
