import TripCheckpoint
import TripCore
import TripEngine
import TripSinks

/// Where epochs come from: a CSV file in file order or in event-time order (`RecordEpochSource`), or a Kafka
/// topic (`KafkaEpochSource`). A source owns its position, how it was opened at a checkpoint's position, and
/// its cut rule; `EpochDriver` asks it for one epoch at a time and does the rest the same for every source.
///
/// The per-record work happens inside `nextEpoch`, so the driver calls a source once per epoch, never per record.
protocol EpochSource: AnyObject {
    /// Feeds the next epoch's records to `engine` (`Engine.accept`), their dead letters into `deadLetters`.
    /// Returns nil when the job was stopped before an epoch was cut: that epoch is not ended.
    func nextEpoch(_ engine: inout Engine, deadLetters: inout [DeadLetter]) throws -> EpochInput?
    /// Where the source resumes after the records fed so far: what a checkpoint saves.
    var checkpointPosition: Checkpoint.Position { get }
    /// The epoch was handed to the commit coordinator (progress display, lag, the consumer group's offsets).
    func submitted(_ input: EpochInput, engine: Engine)
}

/// What a source tells the driver about the epoch it has just fed to the engine.
struct EpochInput {
    /// The input has ended: the engine ends this epoch as the last one (every window final).
    var endOfInput: Bool
    /// The mirror's progress row for the epoch.
    var progress: EpochProgress
    /// Latency measurement (`run --measure-latency`): when each input was produced and when it arrived.
    var inputTimesMs: [Int64] = []
    var arrivalTimesMs: [Int64] = []
}
