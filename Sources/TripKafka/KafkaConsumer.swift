import CRdKafka
import Foundation

/// A consumed message, borrowed: its key and value are valid only inside the `poll` callback.
public struct KafkaMessageView {
    let topicHandle: OpaquePointer?
    /// The message's topic (made on request: a String per message would cost an allocation on the hot path).
    public var topic: String { topicHandle.map { String(cString: rd_kafka_topic_name($0)) } ?? "" }
    public let partition: Int32
    public let offset: Int64
    public let timestampMs: Int64
    public let key: UnsafeRawBufferPointer?
    public let value: UnsafeRawBufferPointer
}

/// A partition of a topic and a position in it (`RD_KAFKA_OFFSET_INVALID` = -1001: the committed or reset one).
public struct TopicPartition: Hashable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public init(topic: String, partition: Int32, offset: Int64 = -1001) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }
    public var description: String { "\(topic)[\(partition)]@\(offset)" }
}

/// A group rebalance seen by a subscribed consumer.
public enum Rebalance: Sendable, Equatable {
    /// These partitions are now this consumer's. The handler may return them with the offsets to start from
    /// (e.g. from a checkpoint); nil keeps the group's committed offsets.
    case assigned([TopicPartition])
    /// These partitions are taken away (they were processed up to here: commit or checkpoint now).
    case revoked([TopicPartition])
}

/// A consumer (`rd_kafka_t`). `run` assigns partitions explicitly at the offsets of its own checkpoint (no
/// rebalance can move its position); `subscribe` joins the group's balanced assignment instead, with a
/// rebalance handler that sees every assignment and revocation and may choose where assigned partitions start.
public final class KafkaConsumer: @unchecked Sendable {
    let handle: OpaquePointer
    /// Owned by the consumer, passed to librdkafka as the opaque of the rebalance callback.
    private let rebalance: RebalanceBox?

    final class RebalanceBox {
        let handler: @Sendable (Rebalance) -> [TopicPartition]?
        var failure: KafkaError?
        init(_ handler: @escaping @Sendable (Rebalance) -> [TopicPartition]?) { self.handler = handler }
    }

    public init(config: KafkaConfig, groupID: String,
                onRebalance: (@Sendable (Rebalance) -> [TopicPartition]?)? = nil) throws {
        var properties = config
        properties["group.id"] = groupID
        properties.setClientDefaults()
        properties.setDefault("enable.auto.commit", "false")
        properties.setDefault("enable.partition.eof", "true")
        // librdkafka's prefetch queue. When it is full, librdkafka 2.0 pauses fetching for a fixed second (no
        // fetch.queue.backoff.ms before 2.2; librdkafka issue #2879), so it must hold about a second of what
        // `run` consumes, or a catching-up run idles (docs/performance.md). 128 MB is about a second of `run`'s
        // catch-up rate; the message-count threshold (100 000 by default) is raised so that the size governs.
        properties.setDefault("queued.max.messages.kbytes", "131072")
        properties.setDefault("queued.min.messages", "1000000")
        // A stream engine wants new messages soon, not batches after half a second.
        properties.setDefault("fetch.wait.max.ms", "50")
        // A checkpointed offset the broker no longer has is data loss: fail loudly instead of skipping.
        properties.setDefault("auto.offset.reset", "error")
        let conf = try properties.make(operation: "configuring the consumer")
        rebalance = onRebalance.map(RebalanceBox.init)
        if let rebalance {
            rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(rebalance).toOpaque())
            rd_kafka_conf_set_rebalance_cb(conf, rebalanceCallback)
        }
        var error = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, &error, error.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(configuration: errorText(error), operation: "creating the consumer")
        }
        rd_kafka_poll_set_consumer(rk)
        handle = rk
    }

    /// Joins the consumer group for these topics; partitions arrive through rebalances during `poll`.
    public func subscribe(topics: [String]) throws {
        let list = TopicPartition.list(topics.map { TopicPartition(topic: $0, partition: RD_KAFKA_PARTITION_UA) })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let rc = rd_kafka_subscribe(handle, list)
        if rc != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(code: rc, operation: "subscribing to \(topics)") }
    }

    /// The partitions currently assigned to this consumer.
    public func assignment() throws -> [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        let rc = rd_kafka_assignment(handle, &list)
        guard rc == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { throw KafkaError(code: rc, operation: "reading the assignment") }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return TopicPartition.array(list)
    }

    /// A failure inside the last rebalance (librdkafka calls back without a way to throw), if any.
    public var rebalanceFailure: KafkaError? { rebalance?.failure }

    /// The value this client uses for a librdkafka property (defaults included).
    public func configValue(_ key: String) -> String? { effectiveConfigValue(handle, key) }

    deinit {
        rd_kafka_consumer_close(handle)
        rd_kafka_destroy(handle)
    }

    /// Number of partitions of `topic`, from the cluster's metadata.
    public func partitionCount(topic: String, timeoutMs: Int32 = 5000) throws -> Int {
        try withTopicMetadata(handle, topic: topic, timeoutMs: timeoutMs) { metadata in
            guard metadata.topic_cnt == 1 else { return 0 }
            let t = metadata.topics[0]
            if t.err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(code: t.err, operation: "reading metadata of \(topic)") }
            return Int(t.partition_cnt)
        }
    }

    /// Consumes exactly these partitions from these offsets (`RD_KAFKA_OFFSET_BEGINNING` = -2, END = -1).
    public func assign(topic: String, offsets: [Int32: Int64]) throws {
        let list = TopicPartition.list(offsets.sorted { $0.key < $1.key }.map {
            TopicPartition(topic: topic, partition: $0.key, offset: $0.value)
        })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let rc = rd_kafka_assign(handle, list)
        if rc != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(code: rc, operation: "assigning \(topic)") }
    }

    /// Moves an assigned partition to `offset`.
    public func seek(topic: String, partition: Int32, offset: Int64, timeoutMs: Int32 = 5000) throws {
        guard let rkt = rd_kafka_topic_new(handle, topic, nil) else {
            throw KafkaError(code: rd_kafka_last_error(), operation: "opening topic \(topic)")
        }
        defer { rd_kafka_topic_destroy(rkt) }
        let rc = rd_kafka_seek(rkt, partition, offset, timeoutMs)
        if rc != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(code: rc, operation: "seeking \(topic)[\(partition)]") }
    }

    /// The partition's high watermark (next offset to be written) as last seen in a fetch response, without a
    /// broker round trip; nil before the first fetch. For lag: high watermark − next offset to process.
    public func cachedHighWatermark(topic: String, partition: Int32) -> Int64? {
        var low: Int64 = -1
        var high: Int64 = -1
        let rc = rd_kafka_get_watermark_offsets(handle, topic, partition, &low, &high)
        return rc == RD_KAFKA_RESP_ERR_NO_ERROR && high >= 0 ? high : nil
    }

    /// Commits offsets to the consumer group (asynchronously). tripstream's own checkpoint is the source of
    /// truth; the group's offsets are there for lag monitoring.
    public func commit(topic: String, offsets: [Int32: Int64]) throws {
        let list = TopicPartition.list(offsets.sorted { $0.key < $1.key }.filter { $0.value >= 0 }.map {
            TopicPartition(topic: topic, partition: $0.key, offset: $0.value)
        })
        defer { rd_kafka_topic_partition_list_destroy(list) }
        let rc = rd_kafka_commit(handle, list, 1)
        if rc != RD_KAFKA_RESP_ERR_NO_ERROR && rc != RD_KAFKA_RESP_ERR__NO_OFFSET {
            throw KafkaError(code: rc, operation: "committing offsets of \(topic)")
        }
    }

    public enum PollResult: Equatable {
        case message
        /// The end of a partition was reached (no more messages for now).
        case partitionEnd(topic: String, partition: Int32, offset: Int64)
        case timeout
    }

    /// Waits up to `timeoutMs` for one message and gives it to `body` (borrowed). Errors other than
    /// end-of-partition are thrown.
    public func poll(timeoutMs: Int32, _ body: (KafkaMessageView) throws -> Void) throws -> PollResult {
        guard let m = rd_kafka_consumer_poll(handle, timeoutMs) else { return .timeout }
        defer { rd_kafka_message_destroy(m) }
        let msg = m.pointee
        var topic: String { msg.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "" }
        if msg.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
            return .partitionEnd(topic: topic, partition: msg.partition, offset: msg.offset)
        }
        if msg.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(code: msg.err, operation: "consuming \(topic)")
        }
        var tsType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let ts = rd_kafka_message_timestamp(m, &tsType)
        try body(KafkaMessageView(
            topicHandle: msg.rkt, partition: msg.partition, offset: msg.offset, timestampMs: ts,
            key: msg.key.map { UnsafeRawBufferPointer(start: $0, count: msg.key_len) },
            value: UnsafeRawBufferPointer(start: msg.payload, count: msg.len)))
        return .message
    }
}

/// librdkafka's rebalance callback (eager protocol): tell the handler, then assign or unassign as the handler says.
private func rebalanceCallback(_ rk: OpaquePointer?, _ err: rd_kafka_resp_err_t,
                               _ partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
                               _ opaque: UnsafeMutableRawPointer?) {
    guard let rk, let partitions, let opaque else { return }
    let box = Unmanaged<KafkaConsumer.RebalanceBox>.fromOpaque(opaque).takeUnretainedValue()
    let given = TopicPartition.array(partitions)
    var rc = RD_KAFKA_RESP_ERR_NO_ERROR
    if err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS {
        if let chosen = box.handler(.assigned(given)) {
            let list = TopicPartition.list(chosen)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            rc = rd_kafka_assign(rk, list)
        } else {
            rc = rd_kafka_assign(rk, partitions)
        }
    } else {
        _ = box.handler(.revoked(given))
        rc = rd_kafka_assign(rk, nil)
    }
    box.failure = rc == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaError(code: rc, operation: "assigning after a rebalance")
}

extension TopicPartition {
    /// A new C list (the caller destroys it).
    static func list(_ partitions: [TopicPartition]) -> UnsafeMutablePointer<rd_kafka_topic_partition_list_t> {
        let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))!
        for p in partitions { rd_kafka_topic_partition_list_add(list, p.topic, p.partition).pointee.offset = p.offset }
        return list
    }

    static func array(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
        (0..<Int(list.pointee.cnt)).map { i in
            let e = list.pointee.elems[i]
            return TopicPartition(topic: String(cString: e.topic), partition: e.partition, offset: e.offset)
        }
    }
}
