/// Everything needed to resume exactly where an epoch ended: written in one LMDB transaction after that
/// epoch's results were committed to the SQLite mirror (and, for `run`, delivered to the result topics).
public struct Checkpoint: Sendable, Equatable {
    /// The last epoch whose results are in the mirror and whose end state is `engineState`.
    public var epoch: Int64
    /// Where the source resumes: the record or message after the last one in `epoch`.
    public var position: Position
    /// `EngineState.snapshot()` at the end of `epoch`.
    public var engineState: [UInt8]
    /// The end of the input was processed: every window is final, nothing is left to resume.
    public var finished: Bool

    public init(epoch: Int64, position: Position, engineState: [UInt8], finished: Bool) {
        self.epoch = epoch
        self.position = position
        self.engineState = engineState
        self.finished = finished
    }
}

/// A replay's input as it was when the replay started: a different file, or this one grown or cut, cannot
/// resume its checkpoint (the offsets would point elsewhere).
public struct InputFile: Sendable, Equatable {
    public var path: String
    public var size: Int64
    public init(path: String, size: Int64) {
        self.path = path
        self.size = size
    }
}

extension Checkpoint {
    /// Where each kind of source resumes. One case per source, so a position can only hold what its source
    /// reads back.
    public enum Position: Sendable, Equatable {
        /// A replay in file order: the byte offset where the next record starts.
        case file(InputFile, nextRecordOffset: Int64)
        /// A replay in event-time order: the next record's ordinal in the merge of the sorted runs and, per
        /// run, the byte offset of its first record not yet replayed (a restart seeks the runs, not sorting again).
        case eventTime(InputFile, nextOrdinal: Int64, runOffsets: [Int64])
        /// `run`: per partition, the offset of the next message to read (-2, librdkafka's "beginning", for one
        /// nothing was read from yet), and the messages read so far, which the mirror's progress rows count on
        /// from. The partition count is `nextOffsets.count`: stored once, it cannot disagree with itself.
        case kafka(topic: String, nextOffsets: [Int64], messagesRead: Int64)

        /// The input file or the topic: what dead letters and the mirror's progress call the source.
        public var sourceName: String {
            switch self {
            case .file(let input, _), .eventTime(let input, _, _): input.path
            case .kafka(let topic, _, _): topic
            }
        }
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
