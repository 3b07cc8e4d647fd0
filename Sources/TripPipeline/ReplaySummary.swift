import TripEngine
import TripTelemetry

/// What a replay did, for the final summary.
public struct ReplaySummary: Sendable {
    public var counters: Counters
    /// The checkpointed epoch this run resumed after, if it resumed.
    public var resumedAfterEpoch: Int64?
    public var epochs: Int64
    public var deadLetters: Int64
    public var seconds: Double
    public var peakRSSBytes: Int64
    /// Seconds from process start until the first record was processed (start-up, restore, seek, sort).
    public var secondsToFirstRow: Double?
    /// Records read by this run (a resumed run counts only what it read after the checkpoint).
    public var rowsThisRun: Int64
    /// Dead letters Kafka refused as too large for the dead-letter topic (`run`; kept in the mirror).
    public var deadLettersRefused: Int64 = 0
    /// Per query, the built-ins first, then the SQL queries in the configuration's order: its name, result rows
    /// emitted and rows it judged late.
    public var queries: [(name: String, emitted: Int64, late: Int64)] = []
    public var rowsPerSecond: Double { seconds > 0 ? Double(rowsThisRun) / seconds : 0 }
}

/// Progress snapshot for a progress bar.
public struct ReplayProgress: Sendable {
    public var phase: String
    public var done: Int64
    public var total: Int64?
    public var rowsRead: Int64
    public var seconds: Double
}
