import CRdKafka

/// Asks the cluster for one topic's metadata through `handle` (producer or consumer) and gives it to `body`.
func withTopicMetadata<T>(_ handle: OpaquePointer, topic: String, timeoutMs: Int32,
                          _ body: (rd_kafka_metadata) throws -> T) throws -> T {
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
    return try body(metadata.pointee)
}
