import ArgumentParser
import Logging

@main
struct Tripstream: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tripstream",
        abstract: "Streaming analytics on taxi-trip events: event-time windows, watermarks, a SQLite mirror.",
        discussion: """
        tripstream reads City of Chicago Taxi Trips rows (the data portal's CSV export) and computes four \
        analytics with event-time windows and watermarks, keeping every result in a local SQLite mirror:

          sum_fare_window           tumbling windows: total fare, tips and trip total
          trips_total               per local calendar day: trips, fare total, average tips and trip total
          hotspot_community_window  sliding windows: trips per pickup community area
          hotspot_window            sliding windows: trips per pickup centroid location

        Start with:  tripstream replay fixtures/trips-2k.csv  then  tripstream query trips_total
        """,
        subcommands: [ReplayCommand.self, QueryCommand.self, VerifyRecoveryCommand.self, DevBrokerCommand.self, CreateTopicsCommand.self,
                      ProduceCommand.self, RunCommand.self, ServeCommand.self, CassandraSchemaCommand.self, ConnectConfigCommand.self,
                      GenerateCommand.self, BenchCommand.self,
                      ConfigCommand.self],
        defaultSubcommand: nil)
}

/// Logging to standard error, at the level asked for.
func bootstrapLogging(_ level: Logger.Level) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    return Logger(label: "tripstream")
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
