import CRdKafka

/// Topic administration through librdkafka's Admin API (`rd_kafka_CreateTopics`), for real clusters.
/// librdkafka's mock cluster (`dev-broker`) has no controller, so there this reports librdkafka's own
/// "waiting for controller" timeout; the dev broker creates its topics itself.
public final class KafkaAdmin: @unchecked Sendable {
    let handle: OpaquePointer

    public struct NewTopic: Sendable, Equatable {
        public var name: String
        public var partitions: Int
        public var replicationFactor: Int
        /// Topic-level settings, e.g. `cleanup.policy=compact`.
        public var settings: [String: String]

        public init(name: String, partitions: Int, replicationFactor: Int, settings: [String: String] = [:]) {
            self.name = name
            self.partitions = partitions
            self.replicationFactor = replicationFactor
            self.settings = settings
        }
    }

    /// What happened to one topic. A topic that already exists is not a failure: creating is idempotent.
    public enum Outcome: Sendable, Equatable {
        case created
        case alreadyExists
        case failed(KafkaError)
    }

    public init(config: KafkaConfig) throws {
        let conf = try config.make(operation: "configuring the admin client")
        var error = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, &error, error.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(configuration: errorText(error), operation: "creating the admin client")
        }
        handle = rk
    }

    deinit { rd_kafka_destroy(handle) }

    /// Creates the topics in one request and waits up to `timeoutMs` for the cluster's answer. Throws when the
    /// request as a whole fails (no controller, timeout, bad argument); otherwise one outcome per topic, in order.
    public func createTopics(_ topics: [NewTopic], timeoutMs: Int32 = 30_000) throws -> [Outcome] {
        let operation = "creating topics"
        var error = [CChar](repeating: 0, count: 512)
        var requests: [OpaquePointer?] = []
        defer { for r in requests { rd_kafka_NewTopic_destroy(r) } }
        for t in topics {
            // librdkafka 2.0.2 passes 0 on to the broker; say what is wrong before anything is sent.
            guard t.partitions == -1 || t.partitions >= 1, t.replicationFactor == -1 || t.replicationFactor >= 1 else {
                throw KafkaError(configuration: "\(t.name): partitions and replication factor must be at least 1 "
                                 + "(or -1 for the cluster's default), not \(t.partitions) and \(t.replicationFactor)",
                                 operation: operation)
            }
            guard let r = rd_kafka_NewTopic_new(t.name, Int32(t.partitions), Int32(t.replicationFactor), &error, error.count) else {
                throw KafkaError(configuration: "\(t.name): \(errorText(error))", operation: operation)
            }
            requests.append(r)
            for (key, value) in t.settings.sorted(by: { $0.key < $1.key }) {
                let rc = rd_kafka_NewTopic_set_config(r, key, value)
                guard rc == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    throw KafkaError(code: rc, operation: operation, detail: "\(t.name): \(key)=\(value) rejected")
                }
            }
        }
        guard let options = rd_kafka_AdminOptions_new(handle, RD_KAFKA_ADMIN_OP_CREATETOPICS) else {
            throw KafkaError(configuration: "rd_kafka_AdminOptions_new failed", operation: operation)
        }
        defer { rd_kafka_AdminOptions_destroy(options) }
        // Both the client's wait and the broker's: the answer comes (or the request fails) within the timeout.
        for set in [rd_kafka_AdminOptions_set_request_timeout, rd_kafka_AdminOptions_set_operation_timeout] {
            let rc = set(options, timeoutMs, &error, error.count)
            guard rc == RD_KAFKA_RESP_ERR_NO_ERROR else { throw KafkaError(code: rc, operation: operation, detail: errorText(error)) }
        }
        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        requests.withUnsafeMutableBufferPointer { rd_kafka_CreateTopics(handle, $0.baseAddress, $0.count, options, queue) }
        // The result event comes once, after at most the request timeout; the margin covers librdkafka's timers.
        guard let event = rd_kafka_queue_poll(queue, timeoutMs + 5_000) else {
            throw KafkaError(code: RD_KAFKA_RESP_ERR__TIMED_OUT, operation: operation)
        }
        defer { rd_kafka_event_destroy(event) }
        let rc = rd_kafka_event_error(event)
        guard rc == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw KafkaError(code: rc, operation: operation, detail: String(cString: rd_kafka_event_error_string(event)))
        }
        guard let result = rd_kafka_event_CreateTopics_result(event) else {
            throw KafkaError(configuration: "unexpected admin event \(rd_kafka_event_name(event).map { String(cString: $0) } ?? "?")",
                             operation: operation)
        }
        var count = 0
        let items = rd_kafka_CreateTopics_result_topics(result, &count)
        var byName: [String: Outcome] = [:]
        for i in 0..<count {
            guard let item = items?[i] else { continue }
            let name = String(cString: rd_kafka_topic_result_name(item))
            let code = rd_kafka_topic_result_error(item)
            switch code {
            case RD_KAFKA_RESP_ERR_NO_ERROR: byName[name] = .created
            case RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS: byName[name] = .alreadyExists
            default:
                let text = rd_kafka_topic_result_error_string(item).map { String(cString: $0) }
                byName[name] = .failed(KafkaError(code: code, operation: "creating topic \(name)", detail: text))
            }
        }
        return topics.map {
            byName[$0.name] ?? .failed(KafkaError(configuration: "the cluster did not answer for \($0.name)", operation: operation))
        }
    }
}
