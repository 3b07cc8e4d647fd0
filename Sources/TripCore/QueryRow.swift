/// One record's columns as the configured SQL queries read them, beside the `Trip` the built-ins read: a value
/// per `TripColumn` (its raw value is the index) as a fixed-point integer, and a bit per column that is not NULL.
/// A decoder fills only the columns of its `RowLayout` and clears the rest; the same row is reused for every
/// record, so decoding allocates nothing.
///
/// Values by type: integer and decimal columns hold the number times 10^scale (`TripColumn.type`); timestamps
/// hold `EventTime` (ms since the Unix epoch, UTC); text holds a code (`RowLayout.TextCoding`).
public struct QueryRow: Sendable, Equatable {
    public static let width = TripColumn.allCases.count
    public var values: [Int64]
    /// Bit `column.rawValue` set: the column has a value (not NULL).
    public var present: UInt64 = 0

    public init() { values = Array(repeating: 0, count: Self.width) }

    @inline(__always)
    public func has(_ column: TripColumn) -> Bool { present & (1 << UInt64(column.rawValue)) != 0 }

    /// The column's value, nil when NULL.
    @inline(__always)
    public subscript(column: TripColumn) -> Int64? {
        get { has(column) ? values[column.rawValue] : nil }
        set {
            if let newValue {
                values[column.rawValue] = newValue
                present |= 1 << UInt64(column.rawValue)
            } else {
                present &= ~(1 << UInt64(column.rawValue))
            }
        }
    }

    /// Every column NULL (the values stay, unread).
    @inline(__always)
    public mutating func clear() { present = 0 }

    /// Equal NULLs and equal values where not NULL: a cleared row keeps old values unread, which do not count.
    public static func == (a: Self, b: Self) -> Bool {
        guard a.present == b.present else { return false }
        for i in 0..<width where a.present & (1 << UInt64(i)) != 0 {
            if a.values[i] != b.values[i] { return false }
        }
        return true
    }
}

/// What the decoders parse for the enabled SQL queries, beyond the fields of `Trip`: the union of the columns the
/// queries read, and how each text column is coded. Empty when only the built-ins run: decoding is then exactly
/// what it was before SQL queries existed.
public struct RowLayout: Sendable, Equatable {
    /// How a text column's value becomes an `Int64` in a `QueryRow`.
    public enum TextCoding: Sendable, Equatable {
        /// Its id in the engine's string interner (`EngineState.queryTexts`): a group key, whose text results
        /// show. Every distinct value is kept, as the built-in `hotspot_window` keeps every location.
        case interned
        /// The index of the literal it equals in `literals` (the union of the queries' literals for the column,
        /// sorted), or -1 when it equals none: a column that only WHERE tests, so no value need be kept
        /// (`trip_id IS NOT NULL` must not intern every trip id).
        case literals([String])
    }

    /// Sorted by index; includes pseudo-columns (`kafka_timestamp`, `ingest_time`) that a query windows over.
    public var columns: [TripColumn]
    /// For each text column in `columns`.
    public var textCoding: [TripColumn: TextCoding]

    public init() {
        columns = []
        textCoding = [:]
    }

    public var isEmpty: Bool { columns.isEmpty }

    /// The layout that serves all `queries`.
    public init(queries: [AnalyticQuery]) {
        var used = Set<TripColumn>()
        var grouped = Set<TripColumn>()
        var literals: [TripColumn: Set<String>] = [:]
        for q in queries {
            used.formUnion(q.columns)
            grouped.formUnion(q.groupKey.columns)
            q.filter?.collectTextLiterals(into: &literals)
        }
        columns = used.sorted { $0.rawValue < $1.rawValue }
        textCoding = [:]
        for c in columns where c.type == .text {
            textCoding[c] = grouped.contains(c) ? .interned : .literals((literals[c] ?? []).sorted())
        }
    }

    /// The code a text literal of `column` has under this layout's `.literals` coding (nil under `.interned`:
    /// the engine interns the literal instead).
    public func literalCode(_ text: String, of column: TripColumn) -> Int64? {
        guard case .literals(let list)? = textCoding[column] else { return nil }
        return list.firstIndex(of: text).map(Int64.init) ?? -1
    }
}

extension RowFilter {
    /// The text literals each column is compared with.
    func collectTextLiterals(into map: inout [TripColumn: Set<String>]) {
        switch self {
        case .compare(let c, _, .text(let s)): map[c, default: []].insert(s)
        case .oneOf(let c, let values):
            for case .text(let s) in values { map[c, default: []].insert(s) }
        case .compare, .isNull, .isNotNull: break
        case .not(let f): f.collectTextLiterals(into: &map)
        case .and(let fs), .or(let fs): for f in fs { f.collectTextLiterals(into: &map) }
        }
    }
}

/// A SQL query as a job runs it: the compiled value and its settings (`UserQuery`).
public struct RunnableQuery: Sendable, Equatable {
    public var query: AnalyticQuery
    /// How far behind the largest time seen the query's watermark trails (ms).
    public var watermarkDelay: EventTime
    public var mode: OutputMode

    public init(query: AnalyticQuery, watermarkDelay: EventTime, mode: OutputMode) {
        self.query = query
        self.watermarkDelay = watermarkDelay
        self.mode = mode
    }

    public var name: String { query.name }
}
