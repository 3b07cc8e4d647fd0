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
        NAME is sum_fare_window, trips_total, hotspot_community_window or hotspot_window. \
        Window bounds are Unix seconds (UTC); money is in currency units; final = 1 when the window can no \
        longer change. --from/--to take Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (UTC).
        """)

    @Argument(help: "Query name.")
    var name: String

    @Option(name: .long, help: "SQLite mirror to read.")
    var db = "tripstream.sqlite"

    @Option(name: .long, help: "Tenant whose rows to show.")
    var tenant = TripstreamConfig.defaultTenant

    @Option(name: .long, help: "Hotspots: the N largest counts per window. Other queries: the N largest windows/days.")
    var top: Int?

    @Option(name: .long, help: "Windows starting at or after this time (days on or after it, for trips_total).")
    var from: String?

    @Option(name: .long, help: "Windows starting before this time (days before it, for trips_total).")
    var to: String?

    @Option(name: .long, help: "At most this many rows.")
    var limit: Int?

    @Flag(name: .long, help: "Only rows that can no longer change.")
    var finalOnly = false

    @Option(name: .long, help: "table, csv or jsonl.")
    var format = "table"

    func run() throws {
        guard let query = QueryName(rawValue: name) else {
            throw ValidationError("unknown query \(name); expected one of "
                                  + QueryName.allCases.map(\.rawValue).joined(separator: ", "))
        }
        guard ["table", "csv", "jsonl"].contains(format) else {
            throw ValidationError("--format must be table, csv or jsonl")
        }
        if let top, top < 1 { throw ValidationError("--top must be at least 1") }
        if let limit, limit < 0 { throw ValidationError("--limit must not be negative") }
        guard FileManager.default.fileExists(atPath: db) else {
            throw ValidationError("no mirror at \(db): run tripstream replay first, or pass --db")
        }
        var q = MirrorQuery(query: query, tenant: tenant)
        q.from = try from.map { try Self.instant($0, option: "--from") }
        q.to = try to.map { try Self.instant($0, option: "--to") }
        q.top = top
        q.limit = limit
        q.finalOnly = finalOnly
        let result = try q.run(try SQLiteDatabase(path: db, readOnly: true))
        print(ResultFormatter.render(result, format: format), terminator: "")
    }

    static func instant(_ text: String, option: String) throws -> Int64 {
        if let n = Int64(text) { return n }
        if let day = CivilDate.parseISODay(text) { return Int64(day) * 86_400 }
        if text.count == 20, text.hasSuffix("Z"), let day = CivilDate.parseISODay(String(text.prefix(10))) {
            let parts = text.dropFirst(11).dropLast().split(separator: ":").compactMap { Int64($0) }
            if parts.count == 3 { return Int64(day) * 86_400 + parts[0] * 3600 + parts[1] * 60 + parts[2] }
        }
        throw ValidationError("\(option) takes Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, got \(text)")
    }
}

/// Renders query results as an aligned table, CSV or JSON lines.
enum ResultFormatter {
    static func render(_ r: MirrorQuery.Result, format: String) -> String {
        switch format {
        case "csv":
            var out = r.columns.joined(separator: ",") + "\n"
            for row in r.rows { out += row.map(csvCell).joined(separator: ",") + "\n" }
            return out
        case "jsonl":
            var out = ""
            for row in r.rows {
                out += "{" + zip(r.columns, row).map { "\"\($0)\":\(jsonValue($1))" }.joined(separator: ",") + "}\n"
            }
            return out
        default:
            let cells = [r.columns] + r.rows.map { $0.map(tableCell) }
            let widths = r.columns.indices.map { i in cells.map { $0[i].count }.max() ?? 0 }
            var out = ""
            for (n, row) in cells.enumerated() {
                out += row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }
                    .joined(separator: "  ") + "\n"
                if n == 0 { out += widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ") + "\n" }
            }
            out += "(\(r.rows.count) rows)\n"
            return out
        }
    }

    static func tableCell(_ v: SQLiteValue) -> String {
        if case .real(let d) = v { return String(format: "%.2f", d) }
        return v.description
    }

    static func csvCell(_ v: SQLiteValue) -> String {
        switch v {
        case .null: return ""
        case .real(let d): return String(format: "%.2f", d)
        case .text(let s) where s.contains(",") || s.contains("\"") || s.contains("\n"):
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        default: return v.description
        }
    }

    static func jsonValue(_ v: SQLiteValue) -> String {
        switch v {
        case .null: return "null"
        case .integer(let i): return String(i)
        case .real(let d): return String(format: "%.2f", d)
        case .text(let s): return JSONText.string(s)
        }
    }
}
