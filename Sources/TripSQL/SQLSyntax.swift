import TripCore

/// The parsed query, before any check of names or types (`QueryAnalyzer` does those).
struct SQLSelect {
    var items: [SQLSelectItem]
    var source: SQLWindowSource
    var filter: SQLExpression?
    /// Empty when there is no GROUP BY.
    var groupBy: [SQLExpression]
    /// Where the text ends (for what is missing, such as GROUP BY).
    var end: SQLPosition
}

struct SQLSelectItem {
    var expression: SQLExpression
    var alias: SQLName?
}

/// An identifier, lowercased, and where it was written.
struct SQLName {
    var text: String
    var position: SQLPosition
}

/// `TUMBLE(trips, col, size)` or `HOP(trips, col, slide, size)`.
struct SQLWindowSource {
    var function: SQLName
    var table: SQLName
    var timeColumn: SQLName
    var intervals: [SQLInterval]
}

/// `INTERVAL '15' MINUTE`, in milliseconds.
struct SQLInterval {
    var milliseconds: Int64
    var position: SQLPosition
    /// Written in days (`'1' DAY`): local calendar days, where hours are plain durations (`'24' HOUR`).
    var inDays = false
}

indirect enum SQLExpression {
    case column(SQLName)
    /// `*`, as in `COUNT(*)`.
    case star(SQLPosition)
    /// Digits as written (`10.50`), negated by a leading `-`.
    case number(String, negative: Bool, SQLPosition)
    case string(String, SQLPosition)
    case null(SQLPosition)
    case call(SQLName, [SQLExpression])
    /// The position is the operator's.
    case comparison(SQLExpression, Comparison, SQLExpression, SQLPosition)
    case isNull(SQLExpression, negated: Bool)
    case inList(SQLExpression, [SQLExpression], negated: Bool)
    case not(SQLExpression, SQLPosition)
    case and([SQLExpression])
    case or([SQLExpression])

    /// Where the expression starts.
    var position: SQLPosition {
        switch self {
        case .column(let name), .call(let name, _): name.position
        case .star(let p), .number(_, _, let p), .string(_, let p), .null(let p), .not(_, let p): p
        case .comparison(let left, _, _, _), .isNull(let left, _), .inList(let left, _, _): left.position
        case .and(let operands), .or(let operands): operands[0].position
        }
    }
}
