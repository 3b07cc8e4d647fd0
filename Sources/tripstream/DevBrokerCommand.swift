import ArgumentParser
import Foundation
import TripCore
import TripKafka

struct DevBrokerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dev-broker",
        abstract: "Run an in-memory Kafka cluster on loopback for trying tripstream and for tests (NOT for production).",
        discussion: """
        Starts librdkafka's mock cluster: it speaks the real Kafka protocol, so any client (kcat, Kafka \
        Connect, tripstream) can use it, but it keeps everything in memory, listens on 127.0.0.1 only, and \
        forgets all data when stopped. Like a broker with a small retention, it keeps only about the last 5 MB \
        of each partition: consume while producing (or use more partitions) for large inputs; tripstream run \
        stops with an error rather than skipping when its checkpointed offset is no longer there. \
        Prints the bootstrap server list as the first line of standard output, then runs until SIGINT or \
        SIGTERM.

        By default it creates the tenant's topics: <tenant>_ingestData, <tenant>_deadLetters and the four \
        result topics (<tenant>_sumFareWindowStream, …), and with --config one per enabled SQL query \
        (<tenant>_<query>).
        """)

    /// The defaults, also the layout of `bench`'s live latency runs.
    static let defaultBrokers = 3, defaultPartitions = 4

    @Option(name: .long, parsing: .unconditional, help: Self.brokersRange.help("Number of brokers.", default: defaultBrokers),
            transform: Self.brokersRange.parse)
    var brokers = defaultBrokers

    @Option(name: .long, parsing: .unconditional, help: Self.partitionsRange.help("Partitions of each topic created.", default: defaultPartitions),
            transform: Self.partitionsRange.parse)
    var partitions = defaultPartitions

    static let brokersRange = NumericRange(1...16)
    static let partitionsRange = NumericRange(1...1000)

    @Option(name: .long, help: "Comma-separated topics to create (default: the tenant's topics).")
    var topics: String?

    @Option(name: .long, help: "Tenant whose topics to create.")
    var tenant = TripstreamConfig.defaultTenant

    @Option(name: .long, help: ArgumentHelp("JSON configuration whose enabled SQL queries' result topics are created too.", valueName: "file"))
    var config: String?

    func validate() throws {
        _ = try TripstreamConfig.validTenant(tenant, key: "--tenant")
    }

    func run() throws {
        // Block the stop signals before any thread starts, so sigwait below receives them.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGINT)
        sigaddset(&signals, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &signals, nil)

        let cluster = try KafkaMockCluster(brokers: brokers)
        let sqlQueries = try ConfigOptions.sqlQueryNames(configFile: config)
        let names = topics.map { $0.split(separator: ",").map(String.init) } ?? TopicNames(tenant: tenant).all(userQueries: sqlQueries)
        for name in names { try cluster.createTopic(name, partitions: partitions, replicationFactor: 1) }
        FileHandle.standardOutput.write(Data((cluster.bootstrapServers + "\n").utf8))
        FileHandle.standardError.write(Data("""
            tripstream dev-broker: in-memory Kafka (mock) cluster, \(brokers) broker(s) on loopback, for development and tests only.
            topics (\(partitions) partitions each): \(names.joined(separator: ", "))
            stop with Ctrl-C or SIGTERM.

            """.utf8))
        var received: Int32 = 0
        sigwait(&signals, &received)
        FileHandle.standardError.write(Data("tripstream dev-broker: stopping (signal \(received))\n".utf8))
    }
}
