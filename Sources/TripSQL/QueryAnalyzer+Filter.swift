import TripCore

extension QueryAnalyzer {
    /// WHERE as a `RowFilter`: column-versus-literal tests joined by AND, OR and NOT; nested ANDs (ORs) are
    /// flattened, so redundant parentheses do not change the value.
    static func condition(_ e: SQLExpression) throws(SQLError) -> RowFilter {
        switch e {
        case .and(let operands):
            return .and(try conditions(operands) { if case .and(let inner) = $0 { inner } else { nil } })
        case .or(let operands):
            return .or(try conditions(operands) { if case .or(let inner) = $0 { inner } else { nil } })
        case .not(let operand, _):
            return .not(try condition(operand))
        case .comparison(let left, let op, let right, _):
            guard case .column(let name) = left else {
                if case .call = left { return try condition(left) }  // names the aggregate or function
                if case .column = right {
                    throw SQLError("the column goes on the left of a comparison", at: left.position,
                                   hint: "for example fare > 10")
                }
                throw SQLError("a comparison needs a column on the left", at: left.position)
            }
            let column = try filterColumn(name)
            if case .column = right {
                throw SQLError("comparing two columns is not supported", at: right.position)
            }
            if column.type == .text && op != .equal && op != .notEqual {
                // The engine codes text values (an interned id, or which literal they equal), never orders them.
                throw SQLError("'\(column.name)' is text: only =, <>, IN and IS [NOT] NULL test it", at: name.position)
            }
            return .compare(column, op, try literal(right, for: column))
        case .isNull(.column(let name), let negated):
            let column = try filterColumn(name)
            return negated ? .isNotNull(column) : .isNull(column)
        case .isNull(let operand, _):
            throw SQLError("IS NULL needs a column", at: operand.position)
        case .inList(.column(let name), let list, let negated):
            let column = try filterColumn(name)
            var values: [FilterValue] = []
            for item in list { values.append(try literal(item, for: column)) }
            return negated ? .not(.oneOf(column, values)) : .oneOf(column, values)
        case .inList(let operand, _, _):
            throw SQLError("IN needs a column on the left", at: operand.position)
        case .call(let name, _) where aggregateNames.contains(name.text):
            throw SQLError("aggregates are not allowed in WHERE", at: name.position)
        case .call(let name, _):
            throw SQLError("functions are not supported in WHERE", at: name.position)
        case .column, .number, .string, .null, .star:
            throw SQLError("expected a condition", at: e.position,
                           hint: "compare a column with a literal (fare > 0), IS [NOT] NULL or IN (…)")
        }
    }

    /// The operands of an AND (OR), with those of a nested AND (OR) in line: `inner` gives them.
    static func conditions(_ operands: [SQLExpression],
                           inner: (RowFilter) -> [RowFilter]?) throws(SQLError) -> [RowFilter] {
        var flat: [RowFilter] = []
        for operand in operands {
            let f = try condition(operand)
            flat += inner(f) ?? [f]
        }
        return flat
    }

    /// A row column that WHERE may test.
    static func filterColumn(_ name: SQLName) throws(SQLError) -> TripColumn {
        if name.text == "window_start" || name.text == "window_end" {
            throw SQLError("\(name.text) is not available in WHERE", at: name.position,
                           hint: "rows are filtered before they are assigned to windows")
        }
        return try rowColumn(name, candidates: TripColumn.names)
    }

    /// A catalog column that is a field of the row (not a pseudo-column).
    static func rowColumn(_ name: SQLName, candidates: [String], hint: String? = nil) throws(SQLError) -> TripColumn {
        guard let column = TripColumn(name: name.text) else {
            throw unknownColumn(name, candidates: candidates, hint: hint)
        }
        guard !column.isPseudo else {
            throw SQLError("'\(column.name)' is only a window's time column", at: name.position,
                           hint: "use it in TUMBLE or HOP")
        }
        return column
    }

    /// A literal as the value of `column`'s type: a string for text, a whole number for an integer, a number of
    /// at most the column's scale in decimals for a decimal (held at that scale).
    static func literal(_ e: SQLExpression, for column: TripColumn) throws(SQLError) -> FilterValue {
        let type = column.type
        switch (e, type) {
        case (.null(let p), _):
            throw SQLError("NULL is never equal to anything", at: p, hint: "use IS NULL or IS NOT NULL")
        case (_, .timestamp):
            throw SQLError("comparing the timestamp column '\(column.name)' with a literal is not supported",
                           at: e.position, hint: "only IS [NOT] NULL tests it")
        case (.string(let s, _), .text):
            return .text(s)
        case (.string(_, let p), _):
            throw SQLError("'\(column.name)' is \(type.description): compare it with a number, not a string", at: p)
        case (.number(_, _, let p), .text):
            throw SQLError("'\(column.name)' is text: compare it with a string in single quotes", at: p)
        case (.number(let digits, let negative, let p), _):
            let scale = if case .decimal(let s) = type { s } else { 0 }
            return .number(try fixedPoint(digits, negative: negative, scale: scale, at: p, column: column))
        default:
            throw SQLError("expected a literal", at: e.position, hint: "a number or a string in single quotes")
        }
    }

    /// `12.5` at scale 2 → 1250; more decimals than the scale, or beyond Int64, is an error.
    static func fixedPoint(_ digits: String, negative: Bool, scale: Int, at p: SQLPosition,
                           column: TripColumn) throws(SQLError) -> Int64 {
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        let fraction = parts.count > 1 ? parts[1] : ""
        guard fraction.count <= scale else {
            let what = scale == 0 ? "a whole number" : "a number with at most \(scale) decimals"
            throw SQLError("'\(column.name)' is \(column.type.description): \(digits.shortenedForMessage(limit: 40)) is not \(what)",
                           at: p)
        }
        var value: Int64 = 0
        for b in (parts[0] + fraction + String(repeating: "0", count: scale - fraction.count)).utf8 {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(Int64(b - 0x30))
            guard !o1 && !o2 else {
                throw SQLError("\(digits.shortenedForMessage(limit: 40)) is out of range for '\(column.name)'", at: p)
            }
            value = sum
        }
        return negative ? -value : value
    }
}
