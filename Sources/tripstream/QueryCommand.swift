import ArgumentParser
import Foundation
import TripCore
import TripSinks
import TripSQLite

struct QueryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "query",
        abstract: "Print one query's results from the SQLite mirror.",
        discussion: """
        NAME is sum_fare_window, trips_total, hotspot_community_window, hotspot_window, or a SQL query of the \
        configuration that wrote the mirror (its columns are the query's outputs; --top ranks by its first \
        aggregate within each window). \
        Window bounds are Unix seconds (UTC); money is in currency units; final = 1 when the window can no \
        longer change. --from/--to take Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC).
        """)

    @Argument(help: "Query name.")
    var name: String

    @Option(name: .long, help: "SQLite mirror to read.")
    var db = "tripstream.sqlite"

    @Option(name: .long, help: "Tenant whose rows to show.")
    var tenant = TripstreamConfig.defaultTenant

    @Option(name: .long, parsing: .unconditional,
            help: Self.topRange.help("Hotspots: the N largest counts per window. Other queries: the N largest windows/days."),
            transform: Self.topRange.parse)
    var top: Int?

    @Option(name: .long, help: "Windows starting at or after this time (days on or after it, for trips_total).")
    var from: String?

    @Option(name: .long, help: "Windows starting before this time (days before it, for trips_total).")
    var to: String?

    @Option(name: .long, parsing: .unconditional, help: Self.limitRange.help("At most this many rows."),
            transform: Self.limitRange.parse)
    var limit: Int?

    static let topRange = NumericRange(1...100_000)
    static let limitRange = NumericRange(0...1_000_000_000)

    @Flag(name: .long, help: "Only rows that can no longer change.")
    var finalOnly = false

    @Option(name: .long, help: "table, csv or jsonl.")
    var format = "table"

    func run() throws {
        guard var q = MirrorQuery(name: name, tenant: tenant) else {
            throw ValidationError("unknown query \(name.shortenedForMessage()); expected one of "
                                  + QueryName.allCases.map(\.rawValue).joined(separator: ", ") + " or a SQL query's name")
        }
        guard ["table", "csv", "jsonl"].contains(format) else {
            throw ValidationError("--format must be table, csv or jsonl")
        }
        guard FileManager.default.fileExists(atPath: db) else {
            throw ValidationError("no mirror at \(db): run tripstream replay first, or pass --db")
        }
        q.from = try from.map { try Self.instant($0, option: "--from") }
        q.to = try to.map { try Self.instant($0, option: "--to") }
        q.top = top
        q.limit = limit
        q.finalOnly = finalOnly
        let result: MirrorQuery.Result
        do {
            result = try q.run(try SQLiteDatabase(path: db, readOnly: true))
        } catch let unknown as MirrorQuery.UnknownQuery {
            throw ValidationError(unknown.description)
        }
        print(ResultFormatter.render(result, format: format), terminator: "")
    }

    static func instant(_ text: String, option: String) throws -> Int64 {
        guard let seconds = MirrorQuery.instant(text) else {
            throw ValidationError("\(option) takes Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, got \(text)")
        }
        return seconds
    }
}
