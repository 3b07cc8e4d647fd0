import TripCore

/// A windowed query of the differential test as a value: written as SQL for tripstream (`sql`) and as plain
/// SQLite over the truth table (`DiffTruth`), each from this value, never from the other.
public struct DiffQuery: Sendable {
    public enum Window: Sendable, Equatable {
        /// `[start, start + size)`, start a multiple of `slide` (ms) since the Unix epoch; TUMBLE when equal.
        case fixed(size: Int64, slide: Int64)
        /// `TUMBLE(…, INTERVAL '1' DAY)`: the local calendar day.
        case day
    }

    public indirect enum Condition: Sendable {
        /// `column op literal`, the literal fixed-point at the column's scale (integers and decimals).
        case compare(TripColumn, String, Int64)
        case equalsText(TripColumn, String, negated: Bool)
        case inList(TripColumn, [Int64], [String], negated: Bool)
        case isNull(TripColumn, negated: Bool)
        case and(Condition, Condition), or(Condition, Condition), not(Condition)
    }

    public enum Function: String, Sendable { case count, sum, avg, min, max }

    public struct Aggregate: Sendable {
        public var function: Function
        /// nil for COUNT(*).
        public var column: TripColumn?
        public var round: Int?
        public init(_ function: Function, _ column: TripColumn? = nil, round: Int? = nil) {
            self.function = function
            self.column = column
            self.round = round
        }
    }

    public enum Output: Sendable, Equatable {
        case windowStart, windowEnd, day, group(TripColumn), aggregate(Int)
    }

    public var name: String
    public var window: Window
    public var time: TripColumn
    public var filter: Condition?
    public var groups: [TripColumn]
    public var aggregates: [Aggregate]
    /// The select list in order, each with its output name (the mirror's column).
    public var outputs: [(output: Output, name: String)]
    public var watermarkDelay: EventTime
    public var mode: OutputMode

    public init(name: String, window: Window, time: TripColumn, filter: Condition?, groups: [TripColumn],
                aggregates: [Aggregate], outputs: [(output: Output, name: String)], watermarkDelay: EventTime,
                mode: OutputMode) {
        self.name = name
        self.window = window
        self.time = time
        self.filter = filter
        self.groups = groups
        self.aggregates = aggregates
        self.outputs = outputs
        self.watermarkDelay = watermarkDelay
        self.mode = mode
    }

    /// Every row column the query reads (time, filter, groups, aggregates): a bad value in one rejects the record.
    public var columnsRead: Set<TripColumn> {
        var out: Set<TripColumn> = [time]
        out.formUnion(groups)
        out.formUnion(aggregates.compactMap(\.column))
        func walk(_ c: Condition) {
            switch c {
            case .compare(let col, _, _), .equalsText(let col, _, _), .inList(let col, _, _, _), .isNull(let col, _):
                out.insert(col)
            case .and(let a, let b), .or(let a, let b):
                walk(a)
                walk(b)
            case .not(let a): walk(a)
            }
        }
        filter.map(walk)
        return out
    }

    /// The default output name of an aggregate (docs/streaming-sql.md): `count`, else `<function>_<column>`.
    public static func defaultName(_ a: Aggregate) -> String {
        guard let column = a.column else { return "count" }
        return "\(a.function.rawValue)_\(column.name)"
    }
}

extension DiffQuery {
    /// The query in tripstream's SQL.
    public var sql: String {
        let items = outputs.map { output, name -> String in
            let text: String
            let defaultName: String
            switch output {
            case .windowStart: (text, defaultName) = ("window_start", "window_start")
            case .windowEnd: (text, defaultName) = ("window_end", "window_end")
            case .day: (text, defaultName) = ("DATE(window_start)", "day")
            case .group(let c): (text, defaultName) = (c.name, c.name)
            case .aggregate(let i): (text, defaultName) = (Self.sql(aggregates[i]), Self.defaultName(aggregates[i]))
            }
            return name == defaultName ? text : "\(text) AS \(name)"
        }
        let from: String
        let keys: [String]
        switch window {
        case .day:
            from = "TUMBLE(trips, \(time.name), INTERVAL '1' DAY)"
            keys = outputs.contains { $0.output == .day } ? ["DATE(window_start)"] : ["window_start", "window_end"]
        case .fixed(let size, let slide):
            from = size == slide
                ? "TUMBLE(trips, \(time.name), \(Self.interval(size)))"
                : "HOP(trips, \(time.name), \(Self.interval(slide)), \(Self.interval(size)))"
            keys = ["window_start", "window_end"]
        }
        let filterText = filter.map { " WHERE " + Self.sql($0, literal: Self.sqlLiteral) } ?? ""
        return "SELECT \(items.joined(separator: ", ")) FROM \(from)\(filterText) GROUP BY "
            + (keys + groups.map(\.name)).joined(separator: ", ")
    }

    static func sql(_ a: Aggregate) -> String {
        let inner = "\(a.function.rawValue.uppercased())(\(a.column?.name ?? "*"))"
        return a.round.map { "ROUND(\(inner), \($0))" } ?? inner
    }

    /// An interval in its largest exact unit below a day (a 24-hour window is a duration, not a local day).
    static func interval(_ ms: Int64) -> String {
        let s = ms / 1000
        if s % 3600 == 0 { return "INTERVAL '\(s / 3600)' HOUR" }
        if s % 60 == 0 { return "INTERVAL '\(s / 60)' MINUTE" }
        return "INTERVAL '\(s)' SECOND"
    }

    /// A literal as tripstream's SQL writes it: a decimal with the column's scale.
    static func sqlLiteral(_ column: TripColumn, _ v: Int64) -> String {
        if case .decimal(let scale) = column.type { return DiffInput.decimal(v, scale: scale, digits: scale) }
        return String(v)
    }

    /// A literal over the truth table, whose decimals are fixed-point integers.
    static func truthLiteral(_ column: TripColumn, _ v: Int64) -> String { String(v) }

    static func quoted(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "''") + "'" }

    /// The condition in SQL, fully parenthesized; the same text is SQLite's over the truth table but for
    /// decimal literals, which `literal` writes.
    static func sql(_ c: Condition, literal: (TripColumn, Int64) -> String) -> String {
        switch c {
        case .compare(let col, let op, let v): return "\(col.name) \(op) \(literal(col, v))"
        case .equalsText(let col, let s, let negated): return "\(col.name) \(negated ? "<>" : "=") \(quoted(s))"
        case .inList(let col, let numbers, let strings, let negated):
            let items = col.type == .text ? strings.map(quoted) : numbers.map { literal(col, $0) }
            return "\(col.name) \(negated ? "NOT IN" : "IN") (\(items.joined(separator: ", ")))"
        case .isNull(let col, let negated): return "\(col.name) IS \(negated ? "NOT " : "")NULL"
        case .and(let a, let b): return "(\(sql(a, literal: literal)) AND \(sql(b, literal: literal)))"
        case .or(let a, let b): return "(\(sql(a, literal: literal)) OR \(sql(b, literal: literal)))"
        case .not(let a): return "NOT (\(sql(a, literal: literal)))"
        }
    }

    /// The configuration member of this query (`"<name>": {…}`).
    public var configMember: String {
        let escaped = sql.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(name)\": {\"sql\": \"\(escaped)\", \"watermark\": \"\(watermarkDelay)ms\", \"mode\": \"\(mode.rawValue)\"}"
    }
}

extension DiffQuery {
    /// A built-in query as a differential-test value under `config`: its window, watermark and mode from the
    /// configuration, its select list as `BuiltinQueries` writes it (the test checks both compile alike).
    public static func builtin(_ query: QueryName, in config: TripstreamConfig) -> DiffQuery {
        let settings = config[query]
        let window = Window.fixed(size: settings.window.length, slide: settings.window.slide)
        let bounds: [(output: Output, name: String)] = [(.windowStart, "window_start"), (.windowEnd, "window_end")]
        var q = DiffQuery(name: query.rawValue, window: window, time: .tripStartTimestamp, filter: nil, groups: [],
                          aggregates: [], outputs: bounds, watermarkDelay: settings.watermarkDelay, mode: settings.mode)
        switch query {
        case .sumFareWindow:
            q.aggregates = [Aggregate(.sum, .fare), Aggregate(.sum, .tips), Aggregate(.sum, .tripTotal), Aggregate(.count)]
            q.outputs += [(.aggregate(0), "total_fare"), (.aggregate(1), "tips_fare"), (.aggregate(2), "total_trip_total"),
                          (.aggregate(3), "trips")]
        case .tripsTotal:
            q.window = .day
            q.aggregates = [Aggregate(.count), Aggregate(.sum, .fare), Aggregate(.avg, .tips, round: 2),
                            Aggregate(.avg, .tripTotal, round: 2)]
            q.outputs = [(.day, "day"), (.aggregate(0), "trips_total"), (.aggregate(1), "fare_total"),
                         (.aggregate(2), "tips_avg"), (.aggregate(3), "trip_total_avg")]
        case .hotspotCommunityWindow, .hotspotWindow:
            let column: TripColumn = query == .hotspotWindow ? .pickupCentroidLocation : .pickupCommunityArea
            q.filter = .isNull(column, negated: true)
            q.groups = [column]
            q.aggregates = [Aggregate(.count)]
            q.outputs += [(.group(column), column.name), (.aggregate(0), "count")]
        }
        return q
    }
}
