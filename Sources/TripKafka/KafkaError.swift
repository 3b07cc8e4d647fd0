import CRdKafka

/// A librdkafka failure: its error code and text, and what was being done.
public struct KafkaError: Error, CustomStringConvertible, Equatable {
    public let code: Int32
    public let message: String
    public let operation: String

    public init(code: rd_kafka_resp_err_t, operation: String, detail: String? = nil) {
        self.code = code.rawValue
        self.message = detail ?? String(cString: rd_kafka_err2str(code))
        self.operation = operation
    }

    public init(configuration message: String, operation: String) {
        self.code = RD_KAFKA_RESP_ERR__INVALID_ARG.rawValue
        self.message = message
        self.operation = operation
    }

    /// The message is larger than the producer's `message.max.bytes` or the topic accepts.
    public var isMessageTooLarge: Bool { code == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE.rawValue }

    public var description: String { "Kafka error in \(operation): \(message) (code \(code))" }
}

/// The NUL-terminated text librdkafka wrote into an error buffer.
func errorText(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
