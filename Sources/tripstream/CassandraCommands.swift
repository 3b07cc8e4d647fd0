import ArgumentParser
import Foundation
import TripCore
import TripPipeline
import TripSQL
import TripTools

struct CassandraSchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cassandra-schema",
        abstract: "Print the CQL keyspace and one table per query, keyed by the deterministic result key.",
        discussion: "The four built-in queries' tables, then one per enabled SQL query of the configuration (--config).")

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "Keyspace.")
    var keyspace = "mysimbdp_coredms"

    @Option(name: .long, parsing: .unconditional, help: Self.replicationRange.help("Replication factor (SimpleStrategy).", default: 3),
            transform: Self.replicationRange.parse)
    var replication = 3

    static let replicationRange = NumericRange(1...100)

    func run() throws {
        let queries = try ConfiguredQueries.values(try options.resolve())
        printToStandardError(CassandraStage.nullKeyWarnings(for: queries))
        print(CassandraStage.schema(keyspace: keyspace, replication: replication, queries: queries), terminator: "")
    }
}

struct ConnectConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "connect-config",
        abstract: "Print the Kafka Connect JSON for the DataStax Cassandra sink: one mapping per result topic.",
        discussion: "The built-in queries' topics, then one per enabled SQL query of the configuration (--config); the tenant's topics (--tenant or the configuration's). POST it to Kafka Connect: curl -X POST -H 'Content-Type: application/json' --data @sink.json http://connect:8083/connectors")

    @Option(name: .long, help: "Connector name.")
    var name = "cassandra-sink"

    @OptionGroup var options: ConfigOptions

    @Option(name: .long, help: "Keyspace.")
    var keyspace = "mysimbdp_coredms"

    @Option(name: .long, help: "Cassandra contact points.")
    var contactPoints = "cassandra1"

    @Option(name: .long, help: "Cassandra local data center.")
    var dc = "helsinki"

    func run() throws {
        let config = try options.resolve()
        let queries = try ConfiguredQueries.values(config)
        printToStandardError(CassandraStage.nullKeyWarnings(for: queries))
        print(CassandraStage.connectConfig(name: name, tenant: config.tenant, keyspace: keyspace, contactPoints: contactPoints,
                                           localDC: dc, queries: queries),
              terminator: "")
    }
}

/// Warnings go to standard error, so the printed CQL or JSON stays usable as it is.
func printToStandardError(_ lines: [String]) {
    for line in lines { FileHandle.standardError.write(Data((line + "\n").utf8)) }
}
