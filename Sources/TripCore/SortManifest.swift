/// Progress of the external sort's first pass (event-time order), saved after each spilled run so a crash
/// during a long sort resumes at the last complete run instead of from zero.
public struct SortManifest: Sendable, Equatable {
    /// Complete run files in the state directory (`sort/run-0`, `run-1`, …).
    public var runs: Int
    /// Input byte offset where the first pass resumes (just after the last record in a complete run).
    public var inputOffset: Int64
    /// Records in the complete runs.
    public var records: Int64
    /// The first pass is done: every record of the input is in the runs.
    public var complete: Bool

    public init(runs: Int, inputOffset: Int64, records: Int64, complete: Bool) {
        self.runs = runs
        self.inputOffset = inputOffset
        self.records = records
        self.complete = complete
    }
}

