import Foundation
import TripCore
import TripSQLite

/// The replay orders of the differential test, with how each orders records (`--order`).
public enum DiffOrder: String, Sendable, CaseIterable {
    case file
    case eventTime = "event-time"
}

/// The independent truth of a replay of a `DiffInput` under a set of queries, computed in SQLite from the
/// generator's own values (fixed-point INTEGER columns) in temporary tables beside the mirror's:
///
/// - rejected records: malformed ones, and those with a bad value in a column the built-ins or a query read;
/// - epochs: every `epochRows` records (rejected ones count, as the reader counts records) in file order, or in
///   the order of the external sort (configured time column, records without a usable one first, ties by offset);
/// - each query's watermark at each epoch's start, simulated here: max(previous, max time seen − delay) after
///   every epoch, where the time seen is the query's time column over every accepted record (WHERE does not
///   matter, as the built-ins' watermarks count rows their WHERE drops);
/// - a kept row joins each window holding it whose end is after its epoch's watermark; late when there is none;
/// - windows through a numbers table, local days from Foundation's calendar (America/Chicago), then GROUP BY.
public struct DiffTruth {
    public let db: SQLiteDatabase
    public let input: DiffInput
    public let order: DiffOrder
    public let epochRows: Int
    public let tenant: String
    /// Per record (file order): accepted under this configuration, its epoch.
    public let accepted: [Bool]
    public let epochs: [Int]
    /// Each query's watermark at the start of every epoch.
    public private(set) var watermarks: [String: [EventTime]] = [:]

    /// Columns the four built-ins decode: a bad value in one rejects the record under every configuration.
    public static let builtinColumns: Set<TripColumn> = [.tripStartTimestamp, .fare, .tips, .tripTotal,
                                                          .pickupCommunityArea, .pickupCentroidLocation]

    /// Loads the truth into temporary tables of `db` (the mirror written by the replay under test).
    public init(db: SQLiteDatabase, input: DiffInput, queries: [DiffQuery], order: DiffOrder, epochRows: Int,
                tenant: String = TripstreamConfig.defaultTenant) throws {
        self.db = db
        self.input = input
        self.order = order
        self.epochRows = epochRows
        self.tenant = tenant
        let read = queries.reduce(Self.builtinColumns) { $0.union($1.columnsRead) }
        accepted = input.records.map { r in !r.malformed && r.badColumns.allSatisfy { !read.contains($0) } }
        epochs = Self.epochs(input.records, order: order, epochRows: epochRows)
        try load(accepted: accepted, epochs: epochs)
        try loadWatermarks(queries, accepted: accepted, epochs: epochs)
    }

    /// The epoch of each record (by index in the file).
    static func epochs(_ records: [DiffRecord], order: DiffOrder, epochRows: Int) -> [Int] {
        var processing = Array(records.indices)
        if order == .eventTime {
            func key(_ r: DiffRecord) -> Int64 {
                r.malformed || r.badColumns.contains(.tripStartTimestamp)
                    ? .min : r.numbers[TripColumn.tripStartTimestamp.rawValue]!
            }
            processing.sort { (key(records[$0]), records[$0].offset) < (key(records[$1]), records[$1].offset) }
        }
        var epochs = [Int](repeating: 0, count: records.count)
        for (n, i) in processing.enumerated() { epochs[i] = n / epochRows }
        return epochs
    }

    static let timestampColumns: [TripColumn] = [.tripStartTimestamp, .tripEndTimestamp]
    static var rowColumns: [TripColumn] { TripColumn.allCases.filter { !$0.isPseudo && $0 != .eventTimestamp } }

    func load(accepted: [Bool], epochs: [Int]) throws {
        var columns = ["position INTEGER PRIMARY KEY", "ok INTEGER NOT NULL", "epoch INTEGER NOT NULL"]
        columns += Self.rowColumns.map { "\($0.name) \($0.type == .text ? "TEXT" : "INTEGER")" }
        columns += Self.timestampColumns.flatMap { ["\($0.name)_day TEXT", "\($0.name)_day_lo INTEGER", "\($0.name)_day_hi INTEGER"] }
        try db.execute("""
            DROP TABLE IF EXISTS temp.truth_rows;
            CREATE TEMP TABLE truth_rows(\(columns.joined(separator: ", ")));
            """)
        let days = LocalDays()
        let marks = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        try db.transaction {
            let insert = try db.prepare("INSERT INTO temp.truth_rows VALUES (\(marks))")
            for (i, r) in input.records.enumerated() {
                var values: [SQLiteValue] = [.integer(r.offset), .integer(accepted[i] ? 1 : 0), .integer(Int64(epochs[i]))]
                for c in Self.rowColumns {
                    values.append(c.type == .text ? r.texts[c.rawValue].map(SQLiteValue.text) ?? .null
                                  : r.numbers[c.rawValue].map(SQLiteValue.integer) ?? .null)
                }
                for c in Self.timestampColumns {
                    if let t = r.numbers[c.rawValue] {
                        let d = days.day(containing: t)
                        values += [.text(d.name), .integer(d.start), .integer(d.end)]
                    } else {
                        values += [.null, .null, .null]
                    }
                }
                try insert.run(values)
            }
        }
    }

    /// `truth_wm(q, epoch, value)`: each query's watermark (ms) at the start of every epoch.
    mutating func loadWatermarks(_ queries: [DiffQuery], accepted: [Bool], epochs: [Int]) throws {
        try db.execute("""
            DROP TABLE IF EXISTS temp.truth_wm;
            CREATE TEMP TABLE truth_wm(q TEXT NOT NULL, epoch INTEGER NOT NULL, value INTEGER NOT NULL, PRIMARY KEY (q, epoch));
            """)
        let last = epochs.max() ?? 0
        try db.transaction {
            let insert = try db.prepare("INSERT INTO temp.truth_wm VALUES (?, ?, ?)")
            for q in queries {
                var maxSeen = [EventTime](repeating: .min, count: last + 1)
                for (i, r) in input.records.enumerated() where accepted[i] {
                    if let t = r.numbers[q.time.rawValue] { maxSeen[epochs[i]] = max(maxSeen[epochs[i]], t) }
                }
                var watermark = EventTime.min, seen = EventTime.min
                var byEpoch: [EventTime] = []
                for e in 0...last {
                    try insert.run([.text(q.name), .integer(Int64(e)), .integer(watermark)])
                    byEpoch.append(watermark)
                    seen = max(seen, maxSeen[e])
                    if seen != .min { watermark = max(watermark, seen - q.watermarkDelay) }
                }
                watermarks[q.name] = byEpoch
            }
        }
    }
}

/// Local calendar days in America/Chicago by Foundation's calendar (not tripstream's zone rules).
final class LocalDays {
    let calendar: Calendar
    var cache: [Int64: (name: String, start: Int64, end: Int64)] = [:]

    init() {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "America/Chicago")!
        calendar = c
    }

    /// The day holding `t` (ms): `YYYY-MM-DD` and its UTC bounds in ms.
    func day(containing t: Int64) -> (name: String, start: Int64, end: Int64) {
        let date = Date(timeIntervalSince1970: TimeInterval(t) / 1000)
        let start = calendar.startOfDay(for: date)
        let key = Int64(start.timeIntervalSince1970)
        if let hit = cache[key] { return hit }
        let end = calendar.date(byAdding: .day, value: 1, to: start)!
        let c = calendar.dateComponents([.year, .month, .day], from: start)
        let name = String(format: "%04d-%02d-%02d", c.year!, c.month!, c.day!)
        let value = (name, key * 1000, Int64(end.timeIntervalSince1970) * 1000)
        cache[key] = value
        return value
    }
}

/// Local days as the truth computes them, for tests of the input.
public enum DiffTruthDays {
    /// The length (ms) of the local day holding `t` (ms): 23 or 25 hours on DST days.
    public static func length(ofDayContaining t: Int64) -> Int64 {
        let d = LocalDays().day(containing: t)
        return d.end - d.start
    }
}
