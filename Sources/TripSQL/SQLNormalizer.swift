import TripCore

/// The canonical SQL text of a query value: keywords and functions in upper case, names in lower case, one
/// space between tokens, no comments, parentheses only where precedence needs them, AS only where the name is
/// not the default, intervals in their largest exact unit, literals at their column's scale. It is made from
/// the value, so SQL that compiles to the same value has the same text; and it compiles to the same value.
/// The configuration's fingerprint hashes it.
extension AnalyticQuery {
    public var normalizedSQL: String {
        let items = outputs.map { output in
            let expression = expression(output.source)
            return defaultName(output.source) == output.name ? expression : "\(expression) AS \(output.name)"
        }
        var sql = "SELECT " + items.joined(separator: ", ") + " FROM " + SQLNormalizer.window(window)
        if let filter { sql += " WHERE " + SQLNormalizer.condition(filter, within: .or) }
        let windowKey = groupKey.window == .bounds ? ["window_start", "window_end"] : ["DATE(window_start)"]
        sql += " GROUP BY " + (windowKey + groupKey.columns.map(\.name)).joined(separator: ", ")
        return sql
    }

    private func expression(_ source: OutputColumn.Source) -> String {
        switch source {
        case .windowStart: return "window_start"
        case .windowEnd: return "window_end"
        case .day: return "DATE(window_start)"
        case .group(let i): return groupKey.columns[i].name
        case .aggregate(let i):
            let a = aggregates[i]
            let call = "\(a.kind == .countRows ? "COUNT" : a.kind.rawValue.uppercased())(\(a.column?.name ?? "*"))"
            return a.roundTo.map { "ROUND(\(call), \($0))" } ?? call
        }
    }

    private func defaultName(_ source: OutputColumn.Source) -> String {
        switch source {
        case .windowStart: "window_start"
        case .windowEnd: "window_end"
        case .day: "day"
        case .group(let i): groupKey.columns[i].name
        case .aggregate(let i): aggregates[i].defaultName
        }
    }
}

enum SQLNormalizer {
    static func window(_ w: QueryWindow) -> String {
        let column = TripColumn(w.timeColumn).name
        switch w.kind {
        case .tumble where w.dayAligned: return "TUMBLE(trips, \(column), INTERVAL '1' DAY)"
        case .tumble: return "TUMBLE(trips, \(column), \(interval(w.spec.length)))"
        case .hop: return "HOP(trips, \(column), \(interval(w.spec.slide)), \(interval(w.spec.length)))"
        }
    }

    /// `INTERVAL 'n' UNIT` in the largest unit that divides the duration (ms, a whole number of seconds); never
    /// DAY, which means the local calendar day, not 24 hours.
    static func interval(_ ms: Int64) -> String {
        for (unit, size) in [("HOUR", Int64(3_600_000)), ("MINUTE", 60_000)]
        where ms % size == 0 {
            return "INTERVAL '\(ms / size)' \(unit)"
        }
        return "INTERVAL '\(ms / 1000)' SECOND"
    }

    /// Binding strength, weakest first: a condition is parenthesized inside a stronger one.
    enum Level: Int, Comparable {
        case or, and, not, predicate
        static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    static func condition(_ f: RowFilter, within outer: Level) -> String {
        let level: Level
        let text: String
        switch f {
        case .or(let operands):
            (level, text) = (.or, operands.map { condition($0, within: .and) }.joined(separator: " OR "))
        case .and(let operands):
            (level, text) = (.and, operands.map { condition($0, within: .not) }.joined(separator: " AND "))
        case .not(let operand):
            (level, text) = (.not, "NOT " + condition(operand, within: .not))
        case .compare(let c, let op, let v):
            (level, text) = (.predicate, "\(c.name) \(op.rawValue) \(literal(v, c))")
        case .isNull(let c):
            (level, text) = (.predicate, "\(c.name) IS NULL")
        case .isNotNull(let c):
            (level, text) = (.predicate, "\(c.name) IS NOT NULL")
        case .oneOf(let c, let values):
            (level, text) = (.predicate, "\(c.name) IN (\(values.map { literal($0, c) }.joined(separator: ", ")))")
        }
        return level < outer ? "(\(text))" : text
    }

    /// A literal as written for its column: a quoted string (`''` for a quote), a number at the column's scale.
    static func literal(_ v: FilterValue, _ column: TripColumn) -> String {
        switch v {
        case .text(let s):
            return "'" + s.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "''") + "'"
        case .number(let n):
            guard case .decimal(let scale) = column.type, scale > 0 else { return "\(n)" }
            let digits = String(n.magnitude)
            let padded = String(repeating: "0", count: max(0, scale + 1 - digits.count)) + digits
            let point = padded.index(padded.endIndex, offsetBy: -scale)
            return (n < 0 ? "-" : "") + padded[..<point] + "." + padded[point...]
        }
    }
}
