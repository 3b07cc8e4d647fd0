import ArgumentParser
import Foundation
import TripCore
import TripKafka
import TripPipeline
import TripTools

struct CreateTopicsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-topics",
        abstract: "Create a tenant's topics on a Kafka cluster (ingest, dead letters, the result topics).",
        discussion: """
        Uses Kafka's Admin API (CreateTopics). A topic that already exists is reported and left as it is, so \
        running this again is safe. The result topics are compacted by default (cleanup.policy=compact): their \
        keys are the deterministic result keys, so the compacted topic holds exactly the latest result per key, \
        the view that equals an uninterrupted run after any crash. Partitions and replication factor default to \
        the cluster's own defaults. Prints one line per topic; exits 1 if any topic could not be created.

        Not for tripstream dev-broker: that in-memory cluster creates the tenant's topics itself and has no \
        controller to answer this request (librdkafka reports a timeout waiting for the controller).
        """)

    @OptionGroup var kafka: KafkaOptions

    @Option(name: .long, help: "Tenant whose topics to create.")
    var tenant = TripstreamConfig.defaultTenant

    @Option(name: .long, help: ArgumentHelp("JSON configuration whose enabled SQL queries' result topics (<tenant>_<query>) are created too, beside the four built-ins'.", valueName: "file"))
    var config: String?

    @Option(name: .long, parsing: .unconditional,
            help: Self.countRange.help("Partitions of the ingest topic (default: the cluster's num.partitions).", valueName: "n"),
            transform: Self.countRange.parse)
    var ingestPartitions: Int?

    @Option(name: .long, parsing: .unconditional,
            help: Self.countRange.help("Partitions of the result and dead-letter topics (default: the cluster's num.partitions).", valueName: "n"),
            transform: Self.countRange.parse)
    var partitions: Int?

    @Option(name: .long, parsing: .unconditional,
            help: Self.countRange.help("Replicas per partition (default: the cluster's default.replication.factor).", valueName: "n"),
            transform: Self.countRange.parse)
    var replicationFactor: Int?

    @Flag(name: .long, help: "Do not set cleanup.policy=compact on the result topics.")
    var noCompact = false

    @Option(name: .long, parsing: .unconditional,
            help: Self.timeoutRange.help("How long to wait for the cluster's answer.", default: 30_000, valueName: "ms"),
            transform: Self.timeoutRange.parse)
    var timeout = 30_000

    static let countRange = NumericRange(1...100_000)
    static let timeoutRange = NumericRange(1...600_000, unit: "ms")

    func validate() throws {
        _ = try TripstreamConfig.validTenant(tenant, key: "--tenant")
    }

    func run() throws {
        let topics = TopicPlan.topics(tenant: tenant, ingestPartitions: ingestPartitions, partitions: partitions,
                                      replicationFactor: replicationFactor, compact: !noCompact,
                                      userQueries: try ConfigOptions.sqlQueryNames(configFile: config))
        // A failure of the request as a whole (no controller, timeout) is thrown: nothing was created.
        let outcomes = try KafkaAdmin(config: try kafka.resolve()).createTopics(topics, timeoutMs: Int32(timeout))
        var failed = 0
        for (topic, outcome) in zip(topics, outcomes) {
            switch outcome {
            case .created: print("created  \(topic.name)")
            case .alreadyExists: print("exists   \(topic.name) (left as it is)")
            case .failed(let error):
                failed += 1
                print("FAILED   \(topic.name): \(error.message) (code \(error.code))")
            }
        }
        if failed > 0 { throw ExitCode(1) }
    }
}
