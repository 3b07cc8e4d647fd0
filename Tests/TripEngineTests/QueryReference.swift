import Foundation
import TripCore
import TripEngine

/// A record as the reference sees it: a value per non-NULL column (numbers fixed-point, text as text).
struct RefRow {
    var numbers: [TripColumn: Int64] = [:]
    var texts: [TripColumn: String] = [:]
}

/// A literal of the reference's WHERE.
enum RefLiteral {
    case number(Int64)
    case text(String)
}

/// A WHERE condition the reference evaluates itself (three-valued: nil is UNKNOWN) and prints as SQL.
indirect enum RefCondition {
    case compare(TripColumn, Comparison, RefLiteral)
    case isNull(TripColumn, negated: Bool)
    case oneOf(TripColumn, [RefLiteral], negated: Bool)
    case not(RefCondition)
    case and(RefCondition, RefCondition)
    case or(RefCondition, RefCondition)

    var sql: String {
        switch self {
        case .compare(let c, let op, let v): "\(c.name) \(op.rawValue) \(Self.sql(v, c))"
        case .isNull(let c, let negated): "\(c.name) IS \(negated ? "NOT " : "")NULL"
        case .oneOf(let c, let vs, let negated):
            "\(c.name) \(negated ? "NOT " : "")IN (\(vs.map { Self.sql($0, c) }.joined(separator: ", ")))"
        case .not(let x): "NOT (\(x.sql))"
        case .and(let a, let b): "(\(a.sql)) AND (\(b.sql))"
        case .or(let a, let b): "(\(a.sql)) OR (\(b.sql))"
        }
    }

    static func sql(_ v: RefLiteral, _ c: TripColumn) -> String {
        switch v {
        case .text(let s): "'" + s.replacingOccurrences(of: "'", with: "''") + "'"
        case .number(let n): RefMath.decimalText(n, scale: RefMath.scale(c))
        }
    }

    func evaluate(_ r: RefRow) -> Bool? {
        switch self {
        case .compare(let c, let op, let v):
            switch v {
            case .number(let lit):
                guard let x = r.numbers[c] else { return nil }
                switch op {
                case .equal: return x == lit
                case .notEqual: return x != lit
                case .less: return x < lit
                case .lessOrEqual: return x <= lit
                case .greater: return x > lit
                case .greaterOrEqual: return x >= lit
                }
            case .text(let lit):
                guard let x = r.texts[c] else { return nil }
                let equal = Array(x.utf8) == Array(lit.utf8)
                return op == .equal ? equal : !equal
            }
        case .isNull(let c, let negated):
            let isNull = r.numbers[c] == nil && r.texts[c] == nil
            return negated ? !isNull : isNull
        case .oneOf(let c, let vs, let negated):
            var found: Bool
            if c.type == .text {
                guard let x = r.texts[c] else { return nil }
                found = vs.contains { if case .text(let s) = $0 { Array(s.utf8) == Array(x.utf8) } else { false } }
            } else {
                guard let x = r.numbers[c] else { return nil }
                found = vs.contains { if case .number(let n) = $0 { n == x } else { false } }
            }
            if negated { found.toggle() }
            return found
        case .not(let x): return x.evaluate(r).map { !$0 }
        case .and(let a, let b):
            let x = a.evaluate(r), y = b.evaluate(r)
            if x == false || y == false { return false }
            return x == true && y == true ? true : nil
        case .or(let a, let b):
            let x = a.evaluate(r), y = b.evaluate(r)
            if x == true || y == true { return true }
            return x == false && y == false ? false : nil
        }
    }
}

/// An aggregate of the reference: computed from the window's member rows at emission.
struct RefAggregate {
    var kind: Aggregate.Kind
    var column: TripColumn?
    var round: Int?

    var sql: String {
        let inner = switch kind {
        case .countRows: "COUNT(*)"
        case .count: "COUNT(\(column!.name))"
        case .sum: "SUM(\(column!.name))"
        case .avg: "AVG(\(column!.name))"
        case .min: "MIN(\(column!.name))"
        case .max: "MAX(\(column!.name))"
        }
        return round.map { "ROUND(\(inner), \($0))" } ?? inner
    }

    func value(over rows: [RefRow]) -> ResultValue {
        if kind == .countRows { return .integer(Int64(rows.count)) }
        let c = column!
        if kind == .count {
            return .integer(Int64(rows.filter { $0.numbers[c] != nil || $0.texts[c] != nil }.count))
        }
        let values = rows.compactMap { $0.numbers[c] }
        guard !values.isEmpty else { return .null }
        let scale = RefMath.scale(c)
        switch kind {
        case .min, .max:
            let v = kind == .min ? values.min()! : values.max()!
            switch c.type {
            case .timestamp: return .timestamp(v)
            case .decimal(let s): return .decimal(v, scale: s)
            default: return .integer(v)
            }
        case .sum:
            let sum = values.reduce(Int128(0)) { $0 + Int128($1) }
            guard c.type != .integer else { return .integer(Int64(sum)) }
            let target = min(scale, round ?? scale)
            return .decimal(Int64(RefMath.roundedQuotient(sum, Int128(RefMath.pow10(scale - target)))), scale: target)
        default:  // avg
            let sum = values.reduce(Int128(0)) { $0 + Int128($1) }
            guard let n = round else {
                return .double(Double(sum) / (Double(values.count) * Double(RefMath.pow10(scale))))
            }
            let q = RefMath.roundedQuotient(sum * Int128(RefMath.pow10(n)), Int128(values.count) * Int128(RefMath.pow10(scale)))
            return .decimal(Int64(q), scale: n)
        }
    }
}

enum RefMath {
    static func scale(_ c: TripColumn) -> Int { if case .decimal(let s) = c.type { s } else { 0 } }

    static func pow10(_ n: Int) -> Int64 { (0..<n).reduce(1) { p, _ in p * 10 } }

    /// a / b (b > 0) rounded half away from zero, by magnitude and sign.
    static func roundedQuotient(_ a: Int128, _ b: Int128) -> Int128 {
        let magnitude = a < 0 ? -a : a
        var q = magnitude / b
        if 2 * (magnitude % b) >= b { q += 1 }
        return a < 0 ? -q : q
    }

    /// `n` at `scale` decimals as SQL text: -1.50.
    static func decimalText(_ n: Int64, scale: Int) -> String {
        guard scale > 0 else { return String(n) }
        let digits = String(n.magnitude)
        let padded = String(repeating: "0", count: max(0, scale + 1 - digits.count)) + digits
        let point = padded.index(padded.endIndex, offsetBy: -scale)
        return (n < 0 ? "-" : "") + padded[..<point] + "." + padded[point...]
    }
}

/// A group value in SQL's order: NULL first, numbers numerically, text by UTF-8 bytes.
enum RefGroupValue: Hashable, Comparable {
    case null
    case number(Int64)
    case text(String)

    static func < (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case (.null, .null): false
        case (.null, _): true
        case (_, .null): false
        case (.number(let x), .number(let y)): x < y
        case (.text(let x), .text(let y)): x.utf8.lexicographicallyPrecedes(y.utf8)
        default: false
        }
    }
}

/// One reference query: what the SQL says, kept apart from the compiled value.
struct RefQuery {
    enum Window {
        case hop(slide: Int64, size: Int64)
        /// The local calendar day in the zone.
        case day(byDate: Bool)
    }
    enum Output {
        case windowStart, windowEnd, day
        case group(Int)
        case aggregate(Int)
    }
    var timeColumn: TripColumn
    var window: Window
    var condition: RefCondition?
    var groups: [TripColumn]
    var aggregates: [RefAggregate]
    var outputs: [Output]

    var sql: String {
        let minutes = { (ms: Int64) in "INTERVAL '\(ms / 60_000)' MINUTE" }
        let from: String
        var keys: [String]
        switch window {
        case .hop(let slide, let size):
            from = slide == size ? "TUMBLE(trips, \(timeColumn.name), \(minutes(size)))"
                                 : "HOP(trips, \(timeColumn.name), \(minutes(slide)), \(minutes(size)))"
            keys = ["window_start", "window_end"]
        case .day(let byDate):
            from = "TUMBLE(trips, \(timeColumn.name), INTERVAL '1' DAY)"
            keys = byDate ? ["DATE(window_start)"] : ["window_start", "window_end"]
        }
        keys += groups.map(\.name)
        let items = outputs.enumerated().map { i, o -> String in
            switch o {
            case .windowStart: "window_start"
            case .windowEnd: "window_end"
            case .day: "DATE(window_start)"
            case .group(let g): groups[g].name
            case .aggregate(let a): "\(aggregates[a].sql) AS a\(i)"
            }
        }
        return "SELECT \(items.joined(separator: ", ")) FROM \(from)"
            + (condition.map { " WHERE \($0.sql)" } ?? "") + " GROUP BY \(keys.joined(separator: ", "))"
    }
}

/// Runs a query over epochs of rows the slow, obvious way: every row's windows enumerated, member rows kept per
/// window and group, aggregates computed from them at emission, output modes applied to the whole table.
struct ReferenceRun {
    struct Key: Hashable {
        var start: Int64
        var group: [RefGroupValue]
    }
    struct Window {
        var startMs: Int64
        var endMs: Int64
        var members: [RefRow] = []
        var touched = 0
    }

    let query: RefQuery
    let delay: EventTime
    let mode: OutputMode
    let calendar: Calendar
    var windows: [Key: Window] = [:]
    var watermark: EventTime = .min
    var maxTime: EventTime = .min

    init(_ query: RefQuery, delay: EventTime, mode: OutputMode, zone: String) {
        self.query = query
        self.delay = delay
        self.mode = mode
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: zone)!
        self.calendar = calendar
    }

    /// (key start, start ms, end ms) of every window holding t.
    func windows(of t: EventTime) -> [(Int64, Int64, Int64)] {
        switch query.window {
        case .hop(let slide, let size):
            let last = Int64((Double(t) / Double(slide)).rounded(.down))
            return (last - size / slide - 1...last).map { $0 * slide }.filter { $0 <= t && t < $0 + size }
                .map { ($0, $0, $0 + size) }
        case .day:
            let date = Date(timeIntervalSince1970: Double(t) / 1000)
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            let day = Int64(CivilDate.dayNumber(year: parts.year!, month: parts.month!, day: parts.day!))
            let start = calendar.startOfDay(for: date)
            let next = calendar.date(byAdding: .day, value: 1, to: start)!
            return [(day, Int64(start.timeIntervalSince1970 * 1000), Int64(calendar.startOfDay(for: next).timeIntervalSince1970 * 1000))]
        }
    }

    func groupKey(_ r: RefRow) -> [RefGroupValue] {
        query.groups.map { c in
            if let s = r.texts[c] { return .text(s) }
            if let n = r.numbers[c] { return .number(n) }
            return .null
        }
    }

    /// Adds a row; true when it is late (it passes WHERE, has a time, and every window of it has ended).
    mutating func ingest(_ r: RefRow, epoch: Int) -> Bool {
        guard let t = r.numbers[query.timeColumn] else { return false }
        maxTime = max(maxTime, t)
        if let c = query.condition, c.evaluate(r) != true { return false }
        let open = windows(of: t).filter { $0.2 > watermark }
        for (start, startMs, endMs) in open {
            let key = Key(start: start, group: groupKey(r))
            windows[key, default: Window(startMs: startMs, endMs: endMs)].members.append(r)
            windows[key]!.touched = epoch
        }
        return open.isEmpty
    }

    mutating func endEpoch(_ epoch: Int, last: Bool) -> [QueryResultRow] {
        watermark = last ? .max : maxTime == .min ? watermark : max(watermark, maxTime - delay)
        var out: [(Key, Window, Bool)] = []
        for (key, w) in windows {
            let final = w.endMs <= watermark
            switch mode {
            case .append: if final { out.append((key, w, true)) }
            case .update: if final || w.touched == epoch { out.append((key, w, final)) }
            case .complete: out.append((key, w, final))
            }
            if final && mode != .complete { windows[key] = nil }
        }
        out.sort { a, b in a.0.start != b.0.start ? a.0.start < b.0.start : a.0.group.lexicographicallyPrecedes(b.0.group) }
        return out.map { key, w, final in
            let values = query.outputs.map { o -> ResultValue in
                switch o {
                case .windowStart: .timestamp(w.startMs)
                case .windowEnd: .timestamp(w.endMs)
                case .day: .date(key.start)
                case .group(let g):
                    switch key.group[g] {
                    case .null: .null
                    case .text(let s): .text(s)
                    case .number(let n):
                        if case .decimal(let s) = query.groups[g].type { .decimal(n, scale: s) } else { .integer(n) }
                    }
                case .aggregate(let a): query.aggregates[a].value(over: w.members)
                }
            }
            return QueryResultRow(windowStart: w.startMs, windowEnd: w.endMs, values: values, final: final)
        }
    }
}

/// Equal rows, doubles within a relative 1e-12 (the engine divides a 128-bit sum, the reference its own).
func sameRows(_ a: [QueryResultRow], _ b: [QueryResultRow]) -> Bool {
    guard a.count == b.count else { return false }
    for (x, y) in zip(a, b) {
        guard x.windowStart == y.windowStart, x.windowEnd == y.windowEnd, x.final == y.final,
              x.values.count == y.values.count else { return false }
        for (u, v) in zip(x.values, y.values) {
            if case .double(let p) = u, case .double(let q) = v {
                guard abs(p - q) <= 1e-12 * max(1, abs(p), abs(q)) else { return false }
            } else if u != v {
                return false
            }
        }
    }
    return true
}
