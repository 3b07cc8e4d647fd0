import TripCore

/// One output value of a SQL query's result row, typed as its `OutputColumn` says.
public enum ResultValue: Sendable, Equatable, Hashable {
    case null
    case integer(Int64)
    /// Fixed-point: the value times 10^scale (exact).
    case decimal(Int64, scale: Int)
    /// `AVG` without `ROUND`.
    case double(Double)
    case text(String)
    /// ms since the Unix epoch, UTC.
    case timestamp(EventTime)
    /// A local calendar day: days since 1970-01-01 (`CivilDate.isoDay`).
    case date(Int64)
}

/// One result row of a SQL query: the window it belongs to, its values in the query's `outputs` order, and
/// whether the window is final. The window and the group values are its deterministic key.
public struct QueryResultRow: Sendable, Equatable {
    /// The window's bounds in ms (a day-aligned window: the local day's UTC bounds, 23 or 25 hours across DST).
    public var windowStart: EventTime
    public var windowEnd: EventTime
    public var values: [ResultValue]
    public var final: Bool

    public init(windowStart: EventTime, windowEnd: EventTime, values: [ResultValue], final: Bool) {
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.values = values
        self.final = final
    }
}

/// What one epoch changed for one SQL query: its rows sorted by key, and its watermark after the epoch.
public struct QueryResults: Sendable, Equatable {
    public var name: String
    public var rows: [QueryResultRow]
    /// ms; Int64.min before any row, Int64.max after the end of input.
    public var watermark: EventTime
    /// Since the job's first epoch (as `Counters`): rows the query judged late, result rows it emitted.
    public var rowsLate: Int64
    public var rowsEmitted: Int64

    public init(name: String, rows: [QueryResultRow], watermark: EventTime, rowsLate: Int64 = 0, rowsEmitted: Int64 = 0) {
        self.name = name
        self.rows = rows
        self.watermark = watermark
        self.rowsLate = rowsLate
        self.rowsEmitted = rowsEmitted
    }
}
