import TripCore
import TripSQLite

/// A second truth, row by row in Swift (three-valued WHERE, windows by walking back from the last one, sums
/// per key), to check `DiffTruth`'s SQL before blaming the engine. It shares the epochs, watermarks and the
/// final scaling and rounding of aggregates with `DiffTruth`, not its SQL.
public enum DiffBruteForce {
    struct Accumulator {
        var count: Int64 = 0
        var sum: Int64 = 0
        var extreme: Int64?
    }

    /// Result rows keyed as `DiffTruth.expectedRows`, and the late positions.
    public static func results(_ q: DiffQuery, _ truth: DiffTruth) throws -> (rows: [String: [DiffCell]], late: [Int64]) {
        let days = LocalDays()
        let watermarks = truth.watermarks[q.name]!
        var groups: [String: (cells: [DiffCell], accumulators: [Accumulator], rows: Int64)] = [:]
        var late: [Int64] = []
        for (i, r) in truth.input.records.enumerated() where truth.accepted[i] {
            guard let t = r.numbers[q.time.rawValue], q.filter.map({ holds($0, r) }) ?? true else { continue }
            let watermark = watermarks[truth.epochs[i]]
            var windows: [(start: Int64, end: Int64, day: String?)] = []
            switch q.window {
            case .day:
                let d = days.day(containing: t)
                windows = [(d.start, d.end, d.name)]
            case .fixed(let size, let slide):
                var start = t - t % slide
                while start + size > t {
                    windows.append((start, start + size, nil))
                    start -= slide
                }
            }
            windows = windows.filter { $0.end > watermark }
            if windows.isEmpty { late.append(r.offset) }
            for w in windows {
                let cells = q.outputs.map { output, _ -> DiffCell in
                    switch output {
                    case .windowStart: .int(w.start / 1000)
                    case .windowEnd: .int(w.end / 1000)
                    case .day: .text(w.day!)
                    case .group(let c): value(c, r).map { c.type == .text ? .text(r.texts[c.rawValue]!) : .int($0) } ?? .null
                    case .aggregate: .null
                    }
                }
                let key = truth.key(q, cells)
                var entry = groups[key] ?? (cells, Array(repeating: Accumulator(), count: q.aggregates.count), 0)
                entry.rows += 1
                for (k, a) in q.aggregates.enumerated() {
                    guard let column = a.column else { continue }
                    guard let v = value(column, r) else { continue }
                    entry.accumulators[k].count += 1
                    if column.type != .text { entry.accumulators[k].sum += v }
                    let e = entry.accumulators[k].extreme
                    entry.accumulators[k].extreme = e.map { a.function == .min ? min($0, v) : max($0, v) } ?? v
                }
                groups[key] = entry
            }
        }
        var rows: [String: [DiffCell]] = [:]
        for (key, entry) in groups {
            var cells = entry.cells
            for (position, (output, _)) in q.outputs.enumerated() {
                guard case .aggregate(let k) = output else { continue }
                let a = q.aggregates[k], acc = entry.accumulators[k]
                let raw: SQLiteValue
                switch a.function {
                case .count: raw = .integer(a.column == nil ? entry.rows : acc.count)
                case .sum, .avg: raw = acc.count == 0 ? .null : .integer(acc.sum)
                case .min, .max: raw = acc.extreme.map(SQLiteValue.integer) ?? .null
                }
                cells[position] = try DiffTruth.aggregate(a, raw, .integer(acc.count))
            }
            rows[key] = cells
        }
        return (rows, late)
    }

    /// The column's value (fixed-point, ms, or 0 for a non-NULL text), nil for NULL.
    static func value(_ c: TripColumn, _ r: DiffRecord) -> Int64? {
        c.type == .text ? r.texts[c.rawValue].map { _ in 0 } : r.numbers[c.rawValue]
    }

    /// SQL's three-valued logic: nil is UNKNOWN; a row is kept only when its condition is true.
    static func holds(_ c: DiffQuery.Condition, _ r: DiffRecord) -> Bool { evaluate(c, r) == true }

    static func evaluate(_ c: DiffQuery.Condition, _ r: DiffRecord) -> Bool? {
        switch c {
        case .compare(let col, let op, let literal):
            guard let v = r.numbers[col.rawValue] else { return nil }
            switch op {
            case "=": return v == literal
            case "<>": return v != literal
            case "<": return v < literal
            case "<=": return v <= literal
            case ">": return v > literal
            default: return v >= literal
            }
        case .equalsText(let col, let s, let negated):
            return r.texts[col.rawValue].map { ($0 == s) != negated }
        case .inList(let col, let numbers, let strings, let negated):
            if col.type == .text { return r.texts[col.rawValue].map { strings.contains($0) != negated } }
            return r.numbers[col.rawValue].map { numbers.contains($0) != negated }
        case .isNull(let col, let negated):
            return (value(col, r) == nil) != negated
        case .and(let a, let b):
            let x = evaluate(a, r), y = evaluate(b, r)
            if x == false || y == false { return false }
            return x == nil || y == nil ? nil : true
        case .or(let a, let b):
            let x = evaluate(a, r), y = evaluate(b, r)
            if x == true || y == true { return true }
            return x == nil || y == nil ? nil : false
        case .not(let a):
            return evaluate(a, r).map { !$0 }
        }
    }
}
