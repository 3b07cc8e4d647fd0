import CRdKafka

/// librdkafka's in-memory mock cluster: real Kafka wire protocol on loopback ports, for trying tripstream
/// and for tests. Not a production broker: nothing is persisted, and it lives as long as this object.
public final class KafkaMockCluster: @unchecked Sendable {
    /// The client instance that owns the cluster (librdkafka needs one).
    let owner: OpaquePointer
    let cluster: OpaquePointer
    public let brokers: Int

    public init(brokers: Int = 1) throws {
        guard brokers >= 1 else { throw KafkaError(configuration: "at least one broker", operation: "mock cluster") }
        let conf = rd_kafka_conf_new()!
        var error = [CChar](repeating: 0, count: 512)
        // The owner client has no brokers of its own to talk to: keep its notices out of the log.
        rd_kafka_conf_set(conf, "log_level", "4", &error, error.count)
        // The brokers' sockets take the owner's settings: answer without Nagle's delay, as Kafka brokers do
        // (TCP_NODELAY). With it, every produce request of a small batch waited for the delayed ACK.
        rd_kafka_conf_set(conf, "socket.nagle.disable", "true", &error, error.count)
        guard let rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &error, error.count) else {
            throw KafkaError(configuration: errorText(error), operation: "creating the mock cluster's client")
        }
        guard let mc = rd_kafka_mock_cluster_new(rk, Int32(brokers)) else {
            rd_kafka_destroy(rk)
            throw KafkaError(configuration: "rd_kafka_mock_cluster_new failed", operation: "starting the mock cluster")
        }
        owner = rk
        cluster = mc
        self.brokers = brokers
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(owner)
    }

    /// `host:port,host:port` of the brokers (loopback).
    public var bootstrapServers: String { String(cString: rd_kafka_mock_cluster_bootstraps(cluster)) }

    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws {
        let rc = rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(min(replicationFactor, brokers)))
        if rc != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(code: rc, operation: "creating topic \(name)") }
    }

    /// Takes a broker down (connections refused) or brings it back; broker ids are 1...brokers.
    public func setBroker(_ id: Int32, up: Bool) throws {
        let rc = up ? rd_kafka_mock_broker_set_up(cluster, id) : rd_kafka_mock_broker_set_down(cluster, id)
        if rc != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(code: rc, operation: "setting broker \(id) \(up ? "up" : "down")") }
    }

    /// Makes the next `count` produce requests fail with the Kafka protocol error `code` (e.g. 29,
    /// TOPIC_AUTHORIZATION_FAILED), for testing how clients handle a broker's refusal.
    public func failProduceRequests(_ count: Int, code: Int32) {
        let errors = [rd_kafka_resp_err_t](repeating: rd_kafka_resp_err_t(rawValue: code), count: count)
        rd_kafka_mock_push_request_errors_array(cluster, 0 /* Produce */, count, errors)
    }

    /// Delays every response of broker `id` by `ms` milliseconds (a slow network or broker).
    public func setRoundTripTime(broker id: Int32, ms: Int) throws {
        let rc = rd_kafka_mock_broker_set_rtt(cluster, id, Int32(ms))
        if rc != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(code: rc, operation: "setting broker \(id)'s round trip time") }
    }
}
