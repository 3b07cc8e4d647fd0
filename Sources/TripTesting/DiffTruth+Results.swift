import Foundation
import TripCore
import TripSQLite

/// A result value as the comparison sees it: decimals as exact fixed-point integers, doubles with a tolerance.
public enum DiffCell: Equatable, CustomStringConvertible {
    case null
    case int(Int64)
    case text(String)
    case fixed(Int64, scale: Int)
    case real(Double)
    /// A mirror value whose storage class is not the output's (e.g. INTEGER for a decimal).
    case wrongType(String)

    public static func == (a: DiffCell, b: DiffCell) -> Bool {
        switch (a, b) {
        case (.null, .null): true
        case (.int(let x), .int(let y)): x == y
        case (.text(let x), .text(let y)): x == y
        case (.fixed(let x, let s), .fixed(let y, let t)): x == y && s == t
        case (.real(let x), .real(let y)): x == y || abs(x - y) <= 1e-12 * max(abs(x), abs(y))
        default: false
        }
    }

    public var description: String {
        switch self {
        case .null: "NULL"
        case .int(let v): String(v)
        case .text(let s): "'\(s)'"
        case .fixed(let v, let scale): DiffInput.decimal(v, scale: scale, digits: scale)
        case .real(let v): "\(v)"
        case .wrongType(let s): "\(s) (not a value of the output's type)"
        }
    }
}

extension DiffTruth {
    /// Positions (byte offsets) of the records a query skips as late, from the truth.
    public func expectedLate(_ q: DiffQuery) throws -> [Int64] {
        try db.rows("""
            SELECT r.position FROM temp.truth_rows r JOIN temp.truth_wm m ON m.q = ? AND m.epoch = r.epoch
            WHERE r.ok = 1 AND r.\(q.time.name) IS NOT NULL AND (\(whereText(q))) AND \(lastEnd(q)) <= m.value
            ORDER BY r.position
            """, [.text(q.name)]).map { $0[0].int64! }
    }

    /// Positions of the records rejected for a bad value or shape (one dead letter each, `query = ''`).
    public func expectedRejected() throws -> [Int64] {
        try db.rows("SELECT position FROM temp.truth_rows WHERE ok = 0 ORDER BY position").map { $0[0].int64! }
    }

    func whereText(_ q: DiffQuery) -> String {
        q.filter.map { DiffQuery.sql($0, literal: DiffQuery.truthLiteral) } ?? "1"
    }

    /// The end (ms) of the latest window holding the row's time.
    func lastEnd(_ q: DiffQuery) -> String {
        let t = "r.\(q.time.name)"
        switch q.window {
        case .day: return "r.\(q.time.name)_day_hi"
        case .fixed(let size, let slide): return "(\(t) - \(t) % \(slide) + \(size))"
        }
    }

    /// The query's result rows from the truth, keyed by their key outputs (window and groups), each the
    /// outputs in SELECT order.
    public func expectedRows(_ q: DiffQuery) throws -> [String: [DiffCell]] {
        let t = "r.\(q.time.name)"
        let windows: String
        switch q.window {
        case .day:
            windows = """
                SELECT r.*, \(t)_day_lo AS ws_, \(t)_day_hi AS we_, \(t)_day AS day_, m.value AS wm_
                FROM temp.truth_rows r JOIN temp.truth_wm m ON m.q = '\(q.name)' AND m.epoch = r.epoch
                WHERE r.ok = 1 AND \(t) IS NOT NULL AND (\(whereText(q)))
                """
        case .fixed(let size, let slide):
            windows = """
                SELECT *, ws_ + \(size) AS we_, NULL AS day_ FROM (
                  SELECT r.*, \(t) - \(t) % \(slide) - ks.k * \(slide) AS ws_, m.value AS wm_
                  FROM temp.truth_rows r JOIN temp.truth_wm m ON m.q = '\(q.name)' AND m.epoch = r.epoch, ks
                  WHERE r.ok = 1 AND \(t) IS NOT NULL AND (\(whereText(q))))
                WHERE ws_ + \(size) > \(q.time.name)
                """
        }
        let k: Int64
        if case .fixed(let size, let slide) = q.window { k = (size + slide - 1) / slide } else { k = 1 }
        var parts: [String] = []
        for a in q.aggregates {
            let c = a.column?.name ?? "*"
            switch a.function {
            case .count: parts += ["COUNT(\(c))", "0"]
            case .sum, .avg: parts += ["SUM(\(c))", "COUNT(\(c))"]
            case .min, .max: parts += ["\(a.function.rawValue.uppercased())(\(c))", "0"]
            }
        }
        let groups = q.groups.map(\.name)
        let sql = """
            WITH RECURSIVE ks(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM ks WHERE k + 1 < \(k)),
            w AS (SELECT * FROM (\(windows)) WHERE we_ > wm_)
            SELECT \((["ws_", "we_", "day_"] + groups + parts).joined(separator: ", "))
            FROM w GROUP BY \((["ws_"] + groups).joined(separator: ", "))
            """
        var out: [String: [DiffCell]] = [:]
        for row in try db.rows(sql) {
            var cells: [DiffCell] = []
            for (output, _) in q.outputs {
                switch output {
                case .windowStart: cells.append(.int(row[0].int64! / 1000))
                case .windowEnd: cells.append(.int(row[1].int64! / 1000))
                case .day: cells.append(.text(row[2].string!))
                case .group(let c): cells.append(Self.cell(row[3 + groups.firstIndex(of: c.name)!]))
                case .aggregate(let i):
                    let base = 3 + groups.count + 2 * i
                    cells.append(try Self.aggregate(q.aggregates[i], row[base], row[base + 1]))
                }
            }
            out[key(q, cells)] = cells
        }
        return out
    }

    static func cell(_ v: SQLiteValue) -> DiffCell {
        switch v {
        case .null: .null
        case .integer(let x): .int(x)
        case .text(let s): .text(s)
        case .real(let d): .real(d)
        }
    }

    /// How the mirror stores an aggregate (docs/streaming-sql.md): INTEGER, REAL holding a fixed-point value
    /// at a scale (compared exactly after scaling back), or REAL holding a double (AVG without ROUND).
    enum Kind: Equatable { case integer, fixed(Int), double }

    static func kind(_ a: DiffQuery.Aggregate) -> Kind {
        var scale = 0
        if case .decimal(let s) = a.column?.type { scale = s }
        switch a.function {
        case .count: return .integer
        case .avg: return a.round.map(Kind.fixed) ?? .double
        case .min, .max: return scale > 0 ? .fixed(scale) : .integer
        case .sum:
            guard scale > 0 else { return .integer }
            return .fixed(min(scale, a.round ?? scale))
        }
    }

    /// An aggregate's value from SQLite's integer SUM/COUNT/MIN/MAX: scale, AVG and ROUND done here exactly.
    public static func aggregate(_ a: DiffQuery.Aggregate, _ value: SQLiteValue, _ count: SQLiteValue) throws -> DiffCell {
        var scale = 0
        if case .decimal(let s) = a.column?.type { scale = s }
        let kind = kind(a)
        switch a.function {
        case .count:
            return .int(value.int64!)
        case .min, .max, .sum:
            guard let v = value.int64 else { return .null }
            guard case .fixed(let digits) = kind else { return .int(v) }
            return .fixed(digits < scale ? roundedQuotient(v, pow10(scale - digits)) : v, scale: digits)
        case .avg:
            let n = count.int64!
            guard n > 0, let sum = value.int64 else { return .null }
            guard case .fixed(let digits) = kind else { return .real(Double(sum) / Double(n) / Double(pow10(scale))) }
            if digits >= scale {
                let (scaled, overflow) = sum.multipliedReportingOverflow(by: pow10(digits - scale))
                guard !overflow else { throw DiffError("ROUND(AVG) of \(sum)/\(n) overflows the truth's arithmetic") }
                return .fixed(roundedQuotient(scaled, n), scale: digits)
            }
            return .fixed(roundedQuotient(sum, n * pow10(scale - digits)), scale: digits)
        }
    }

    static func pow10(_ n: Int) -> Int64 { (0..<n).reduce(1) { v, _ in v * 10 } }

    /// a / b (b > 0) rounded half away from zero, in integers.
    static func roundedQuotient(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b, r = a % b
        guard 2 * abs(r) >= b else { return q }
        return a < 0 ? q - 1 : q + 1
    }

    /// A row's identity: its window and group outputs, in SELECT order.
    func key(_ q: DiffQuery, _ cells: [DiffCell]) -> String {
        zip(q.outputs, cells).filter { if case .aggregate = $0.0.output { false } else { true } }
            .map { "\($0.0.name)=\($0.1)" }.joined(separator: ", ")
    }

    /// The mirror's rows of the query (its table, this tenant), keyed alike, each checked final.
    public func mirrorRows(_ q: DiffQuery, table: String? = nil) throws -> (rows: [String: [DiffCell]], notFinal: Int) {
        let columns = q.outputs.map { "\"\($0.name)\"" } + ["final"]
        let rows = try db.rows("SELECT \(columns.joined(separator: ", ")) FROM \"\(table ?? q.name)\" WHERE tenant = ?",
                               [.text(tenant)])
        var out: [String: [DiffCell]] = [:]
        var notFinal = 0
        for row in rows {
            let cells = zip(q.outputs, row).map { Self.mirrorCell($0.0.output, q, $0.1) }
            out[key(q, cells)] = cells
            if row.last != .integer(1) { notFinal += 1 }
        }
        return (out, notFinal)
    }

    /// A mirror value read as the output's type says it is stored (docs/streaming-sql.md, the mirror contract).
    static func mirrorCell(_ output: DiffQuery.Output, _ q: DiffQuery, _ v: SQLiteValue) -> DiffCell {
        switch (output, v) {
        case (_, .null): return .null
        case (.aggregate(let i), _):
            switch (kind(q.aggregates[i]), v) {
            case (.integer, .integer(let x)): return .int(x)
            case (.double, .real(let d)): return .real(d)
            case (.fixed(let scale), .real(let d)):
                // Exact only when the REAL is a multiple of 10^-scale: 0.53 is no value of a decimal(1).
                let x = d * Double(pow10(scale))
                guard abs(x - x.rounded()) <= max(1e-6, abs(x) * 1e-12) else { return .wrongType("\(d) at scale \(scale)") }
                return .fixed(Int64(x.rounded()), scale: scale)
            default: return .wrongType(v.description)
            }
        case (_, .integer(let x)): return .int(x)
        case (_, .text(let s)): return .text(s)
        default: return .wrongType(v.description)
        }
    }
}

public struct DiffError: Error, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
