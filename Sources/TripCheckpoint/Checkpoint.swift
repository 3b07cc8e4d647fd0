/// Everything needed to resume a replay exactly where an epoch ended: written in one LMDB transaction
/// after that epoch's results were committed to the SQLite mirror.
public struct Checkpoint: Sendable, Equatable {
    /// The last epoch whose results are in the mirror and whose end state is `engineState`.
    public var epoch: Int64
    /// The input: its path and size when the replay started (a different file cannot resume this state).
    public var source: String
    public var sourceSize: Int64
    /// `file` or `event-time`.
    public var orderMode: String
    /// Where the next epoch starts: byte offset of the next record (file order) or merged ordinal (event time).
    public var position: Int64
    /// Event-time order: per spill run, the byte offset of its first record not yet replayed.
    public var runOffsets: [Int64]
    /// `EngineState.snapshot()` at the end of `epoch`.
    public var engineState: [UInt8]
    /// The end of the input was processed: every window is final, nothing is left to resume.
    public var finished: Bool

    public init(epoch: Int64, source: String, sourceSize: Int64, orderMode: String, position: Int64,
                runOffsets: [Int64] = [], engineState: [UInt8], finished: Bool) {
        self.epoch = epoch
        self.source = source
        self.sourceSize = sourceSize
        self.orderMode = orderMode
        self.position = position
        self.runOffsets = runOffsets
        self.engineState = engineState
        self.finished = finished
    }
}

/// A state directory that cannot be used as it is, with what to do about it.
public struct CheckpointError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension CheckpointError {
    /// A mirror that cannot take the resume of the checkpoint in `stateDirectory` at `epoch`, for `problem`.
    public static func mirror(_ path: String, stateDirectory: String, epoch: Int64, problem: String) -> CheckpointError {
        CheckpointError("the mirror \(path) does not match the checkpoint in \(stateDirectory) (epoch \(epoch)): \(problem); "
            + "its write-ahead log (\(path)-wal) may have been lost, or the file replaced or damaged, so resuming would "
            + "leave it without those epochs. Put back the mirror that belongs to this state, or run again with --reset "
            + "to start from the beginning (a damaged mirror: move it aside first)")
    }
}
