/// One windowed analytic, compiled from SQL (`QueryAnalyzer`): what the engine computes, the mirror stores and
/// the result topic carries. Columns are `TripColumn` indices and literals fixed-point integers, so the engine
/// can evaluate the filter and aggregates per row without strings, dictionaries or allocation. The analyzer
/// (TripSQL) makes them; the value lives here, below every layer that runs it (engine, decoders, sinks).
public struct AnalyticQuery: Sendable, Equatable {
    /// The query's name in the configuration: its mirror table and result topic.
    public var name: String
    public var window: QueryWindow
    /// Rows for which it is not TRUE (SQL three-valued logic: a comparison with NULL is UNKNOWN) are skipped.
    public var filter: RowFilter?
    public var groupKey: GroupKey
    /// In SELECT order; each is the source of one output column.
    public var aggregates: [Aggregate]
    /// The result row's columns in SELECT order, with their names and types (mirror columns, JSON fields).
    public var outputs: [OutputColumn]

    public init(name: String, window: QueryWindow, filter: RowFilter?, groupKey: GroupKey, aggregates: [Aggregate],
                outputs: [OutputColumn]) {
        self.name = name
        self.window = window
        self.filter = filter
        self.groupKey = groupKey
        self.aggregates = aggregates
        self.outputs = outputs
    }

    /// Every row column the query reads (time column, filter, group keys, aggregates), in catalog order:
    /// what a decoder must parse for it.
    public var columns: [TripColumn] {
        var used = Set(groupKey.columns)
        used.insert(TripColumn(window.timeColumn))
        filter?.collectColumns(into: &used)
        for a in aggregates { if let c = a.column { used.insert(c) } }
        return used.sorted { $0.rawValue < $1.rawValue }
    }

    /// True when WHERE keeps no row with a NULL group value (`RowFilter.rejectsNull`), so every result row's
    /// key is free of NULLs (trivially with no group column).
    public var groupValuesAreNeverNull: Bool {
        groupKey.columns.allSatisfy { c in filter?.rejectsNull(in: c) ?? false }
    }
}

/// `TUMBLE` or `HOP` over a time column; windows are `[start, start + length)` with `start` a multiple of the
/// slide since the Unix epoch, or local calendar days.
public struct QueryWindow: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case tumble, hop }
    public var kind: Kind
    public var timeColumn: TimeColumn
    /// Length and slide in milliseconds (equal for `TUMBLE`).
    public var spec: WindowSpec
    /// A `TUMBLE` of one day: windows run from local midnight to the next in the configured time zone
    /// (23 or 25 hours across DST), not from UTC midnight.
    public var dayAligned: Bool

    public init(kind: Kind, timeColumn: TimeColumn, spec: WindowSpec, dayAligned: Bool) {
        self.kind = kind
        self.timeColumn = timeColumn
        self.spec = spec
        self.dayAligned = dayAligned
    }
}

/// What identifies a result row: its window (bounds, or the local day) and the group columns in GROUP BY order.
public struct GroupKey: Sendable, Equatable {
    public enum Window: Sendable, Equatable {
        /// `GROUP BY window_start, window_end`.
        case bounds
        /// `GROUP BY DATE(window_start)` (day-aligned windows only).
        case day
    }
    public var window: Window
    public var columns: [TripColumn]

    public init(window: Window, columns: [TripColumn]) {
        self.window = window
        self.columns = columns
    }
}

public struct Aggregate: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable {
        /// `COUNT(*)`: rows.
        case countRows
        /// `COUNT(col)`: rows where the column is not NULL.
        case count, sum, avg, min, max
    }
    public var kind: Kind
    /// Nil only for `COUNT(*)`.
    public var column: TripColumn?
    /// `ROUND(…, n)` of a SUM or AVG: n decimal places, half away from zero.
    public var roundTo: Int?

    public init(kind: Kind, column: TripColumn?, roundTo: Int? = nil) {
        self.kind = kind
        self.column = column
        self.roundTo = roundTo
    }

    /// The result's type: COUNT an integer; SUM the column's; AVG a double, or a decimal of the rounding's
    /// scale; MIN/MAX the column's. A rounded SUM keeps at most the column's scale.
    public var type: ValueType {
        switch (kind, column?.type) {
        case (.countRows, _), (.count, _): return .integer
        case (.sum, .decimal(let scale)?): return .decimal(scale: min(scale, roundTo ?? scale))
        case (.avg, _): return roundTo.map { .decimal(scale: $0) } ?? .double
        case (_, let type?): return type
        case (_, nil): return .integer
        }
    }
}

/// One column of a result row.
public struct OutputColumn: Sendable, Equatable {
    public enum Source: Sendable, Equatable {
        case windowStart, windowEnd
        /// `DATE(window_start)`: the window's local calendar day.
        case day
        /// `groupKey.columns[i]`.
        case group(Int)
        /// `aggregates[i]`.
        case aggregate(Int)
    }
    /// Lowercase; unique within the query.
    public var name: String
    public var source: Source
    public var type: ValueType

    public init(name: String, source: Source, type: ValueType) {
        self.name = name
        self.source = source
        self.type = type
    }
}

/// A WHERE condition as a tree of column-versus-literal tests. `and`/`or` hold two or more operands, never
/// one of their own kind (nested ANDs are flattened), so equal conditions are equal trees.
public indirect enum RowFilter: Sendable, Equatable {
    case compare(TripColumn, Comparison, FilterValue)
    case isNull(TripColumn)
    case isNotNull(TripColumn)
    /// `col IN (…)`.
    case oneOf(TripColumn, [FilterValue])
    case not(RowFilter)
    case and([RowFilter])
    case or([RowFilter])

    public func collectColumns(into set: inout Set<TripColumn>) {
        switch self {
        case .compare(let c, _, _), .isNull(let c), .isNotNull(let c), .oneOf(let c, _): set.insert(c)
        case .not(let f): f.collectColumns(into: &set)
        case .and(let fs), .or(let fs): for f in fs { f.collectColumns(into: &set) }
        }
    }

    /// True when no row whose `column` is NULL passes (the condition is FALSE or UNKNOWN for it whatever the
    /// other columns hold): `c IS NOT NULL`, any comparison or IN of `c` (NULL makes them UNKNOWN, and NOT
    /// UNKNOWN stays UNKNOWN), an AND with such a term, an OR of such terms. Conservative: false when unsure.
    public func rejectsNull(in column: TripColumn) -> Bool {
        switch self {
        case .isNotNull(let c), .compare(let c, _, _), .oneOf(let c, _): c == column
        case .isNull: false
        case .not(.compare(let c, _, _)), .not(.oneOf(let c, _)), .not(.isNull(let c)): c == column
        case .not: false
        case .and(let fs): fs.contains { $0.rejectsNull(in: column) }
        case .or(let fs): fs.allSatisfy { $0.rejectsNull(in: column) }
        }
    }
}

public enum Comparison: String, Sendable, Equatable {
    case equal = "=", notEqual = "<>", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
}

/// A literal typed by the column it is compared with.
public enum FilterValue: Sendable, Equatable {
    /// An integer column's value, or a decimal column's at its scale (`fare > 10.5` holds 1050).
    case number(Int64)
    /// A text column's value; the engine resolves it once (e.g. to an interned id), not per row.
    case text(String)
}
