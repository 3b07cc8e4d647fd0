import CRdKafka
import Foundation

/// A consumed message, borrowed: its key and value are valid only inside the `poll` callback.
public struct KafkaMessageView {
    public let topic: String
    public let partition: Int32
    public let offset: Int64
    public let timestampMs: Int64
    public let key: UnsafeRawBufferPointer?
    public let value: UnsafeRawBufferPointer
}

/// A consumer (`rd_kafka_t`) with explicitly assigned partitions and offsets: tripstream keeps its offsets
/// in its own checkpoint, so it assigns instead of subscribing (no rebalance can move its position).
public final class KafkaConsumer: @unchecked Sendable {
    let handle: OpaquePointer

    public init(config: KafkaConfig, groupID: String) throws {
        var properties = config
        properties["group.id"] = groupID
        if properties["enable.auto.commit"] == nil { properties["enable.auto.commit"] = "false" }
        if properties["enable.partition.eof"] == nil { properties["enable.partition.eof"] = "true" }
        // Bound librdkafka's prefetch queue (64 MB by default): tripstream buffers epochs itself. Much smaller
        // starves the fetcher (0.5 s waits between fetches, measured on the dev broker); 32 MB does not.
        if properties["queued.max.messages.kbytes"] == nil { properties["queued.max.messages.kbytes"] = "32768" }
        // A stream engine wants new messages soon, not batches after half a second.
        if properties["fetch.wait.max.ms"] == nil { properties["fetch.wait.max.ms"] = "50" }
        // A checkpointed offset the broker no longer has is data loss: fail loudly instead of skipping.
        if properties["auto.offset.reset"] == nil { properties["auto.offset.reset"] = "error" }
        let conf = try properties.make(operation: "configuring the consumer")
        var error = [CChar](repeating: 0, count: 512)
        guard let rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, &error, error.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(configuration: errorText(error), operation: "creating the consumer")
        }
        rd_kafka_poll_set_consumer(rk)
        handle = rk
    }

    deinit {
        rd_kafka_consumer_close(handle)
        rd_kafka_destroy(handle)
    }

    /// Number of partitions of `topic`, from the cluster's metadata.
    public func partitionCount(topic: String, timeoutMs: Int32 = 5000) throws -> Int {
        guard let rkt = rd_kafka_topic_new(handle, topic, nil) else {
            throw KafkaError(code: rd_kafka_last_error(), operation: "opening topic \(topic)")
        }
        defer { rd_kafka_topic_destroy(rkt) }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let rc = rd_kafka_metadata(handle, 0, rkt, &metadata, timeoutMs)
        guard rc == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata else {
            throw KafkaError(code: rc, operation: "reading metadata of \(topic)")
        }
        defer { rd_kafka_metadata_destroy(metadata) }
        guard metadata.pointee.topic_cnt == 1 else { return 0 }
        let t = metadata.pointee.topics[0]
        if t.err != RD_KAFKA_RESP_ERR_NO_ERROR { throw KafkaError(code: t.err, operation: "reading metadata of \(topic)") }
        return Int(t.partition_cnt)
    }

    /// Consumes exactly these partitions from these offsets (`RD_KAFKA_OFFSET_BEGINNING` = -2, END = -1).
    public func assign(topic: String, offsets: [Int32: Int64]) throws {
        let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (partition, offset) in offsets.sorted(by: { $0.key < $1.key }) {
            rd_kafka_topic_partition_list_add(list, topic, partition).pointee.offset = offset
        }
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
        let list = rd_kafka_topic_partition_list_new(Int32(offsets.count))!
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (partition, offset) in offsets.sorted(by: { $0.key < $1.key }) where offset >= 0 {
            rd_kafka_topic_partition_list_add(list, topic, partition).pointee.offset = offset
        }
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
        let topic = msg.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        if msg.err == RD_KAFKA_RESP_ERR__PARTITION_EOF {
            return .partitionEnd(topic: topic, partition: msg.partition, offset: msg.offset)
        }
        if msg.err != RD_KAFKA_RESP_ERR_NO_ERROR {
            throw KafkaError(code: msg.err, operation: "consuming \(topic)")
        }
        var tsType = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        let ts = rd_kafka_message_timestamp(m, &tsType)
        try body(KafkaMessageView(
            topic: topic, partition: msg.partition, offset: msg.offset, timestampMs: ts,
            key: msg.key.map { UnsafeRawBufferPointer(start: $0, count: msg.key_len) },
            value: UnsafeRawBufferPointer(start: msg.payload, count: msg.len)))
        return .message
    }
}
