import ArgumentParser
import Foundation
import TripKafka

/// How to reach Kafka: bootstrap servers plus any librdkafka property (SASL, SSL, batching, compression…).
struct KafkaOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Bootstrap servers, host:port[,host:port…] (e.g. from tripstream dev-broker).", valueName: "list"))
    var brokers: String

    @Option(name: .customShort("X"), help: ArgumentHelp("A librdkafka property, key=value (repeatable), e.g. -X compression.type=lz4 -X security.protocol=SASL_SSL.", valueName: "key=value"))
    var properties: [String] = []

    @Option(name: .long, help: ArgumentHelp("A file of librdkafka properties (key=value lines).", valueName: "file"))
    var kafkaConfig: String?

    func resolve() throws -> KafkaConfig {
        var config = KafkaConfig(bootstrapServers: brokers)
        if let kafkaConfig {
            guard let text = try? String(contentsOfFile: kafkaConfig, encoding: .utf8) else {
                throw ValidationError("cannot read --kafka-config \(kafkaConfig)")
            }
            for (k, v) in try KafkaConfig.parseProperties(text) { config[k] = v }
        }
        for p in properties {
            guard let eq = p.firstIndex(of: "=") else { throw ValidationError("-X takes key=value, got \(p)") }
            config[String(p[..<eq])] = String(p[p.index(after: eq)...])
        }
        return config
    }
}
