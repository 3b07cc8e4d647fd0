import CRdKafka
import Foundation

/// librdkafka properties. Every property passes through (`-X key=value`, a properties file), so SASL/SSL
/// and tuning need nothing from tripstream; typed helpers set the ones it cares about.
public struct KafkaConfig: Sendable, Equatable {
    public var properties: [String: String]

    public init(bootstrapServers: String, _ properties: [String: String] = [:]) {
        self.properties = properties
        self.properties["bootstrap.servers"] = bootstrapServers
    }

    /// Sets `key` unless the user already did (tripstream's defaults never override an explicit `-X`).
    public mutating func setDefault(_ key: String, _ value: String) {
        if properties[key] == nil { properties[key] = value }
    }

    /// Defaults of every tripstream client. `socket.nagle.disable`: librdkafka leaves Nagle's algorithm on, so a
    /// small request or response written while the peer delays its ACK waits up to ~40 ms; Kafka's own Java
    /// clients and brokers set TCP_NODELAY. On the mock cluster, Nagle made small sends many times slower
    /// (docs/performance.md).
    mutating func setClientDefaults() {
        setDefault("socket.nagle.disable", "true")
    }

    public subscript(key: String) -> String? {
        get { properties[key] }
        set { properties[key] = newValue }
    }

    /// Parses `key=value` lines (Java properties style: `#` comments, blank lines ignored).
    public static func parseProperties(_ text: String) throws -> [String: String] {
        var out: [String: String] = [:]
        for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix("!") { continue }
            guard let eq = line.firstIndex(of: "=") else {
                throw KafkaError(configuration: "line \(n + 1) is not key=value: \(line)", operation: "reading properties")
            }
            out[String(line[..<eq]).trimmingCharacters(in: .whitespaces)] =
                String(line[line.index(after: eq)...]).trimmingCharacters(in: .whitespaces)
        }
        return out
    }

    /// A new `rd_kafka_conf_t` with every property set; a rejected property is an error naming it.
    func make(operation: String) throws -> OpaquePointer {
        guard let conf = rd_kafka_conf_new() else {
            throw KafkaError(configuration: "rd_kafka_conf_new failed", operation: operation)
        }
        var buffer = [CChar](repeating: 0, count: 512)
        for (key, value) in properties.sorted(by: { $0.key < $1.key }) {
            if rd_kafka_conf_set(conf, key, value, &buffer, buffer.count) != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(configuration: "\(key)=\(value): \(errorText(buffer))", operation: operation)
            }
        }
        return conf
    }
}

/// The value librdkafka holds for `key` in the configuration of a client handle (what a client really uses,
/// defaults included); nil for an unknown key.
func effectiveConfigValue(_ handle: OpaquePointer, _ key: String) -> String? {
    guard let conf = rd_kafka_conf(handle) else { return nil }
    var size = 0
    guard rd_kafka_conf_get(conf, key, nil, &size) == RD_KAFKA_CONF_OK, size > 0 else { return nil }
    var buffer = [CChar](repeating: 0, count: size)
    guard rd_kafka_conf_get(conf, key, &buffer, &size) == RD_KAFKA_CONF_OK else { return nil }
    return errorText(buffer)
}
