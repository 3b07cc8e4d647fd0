import Logging
import TripCheckpoint
import TripEngine
import TripSinks

/// A checkpoint a job resumes from, with the engine state restored from it.
struct Resumed {
    var checkpoint: Checkpoint
    var state: EngineState
}

/// What restoring asks of a job's source before the source is opened (it opens at the checkpoint's position).
protocol ResumeRules {
    /// Checks that `position` is this source's (the same input or topic, unchanged), and says where it resumes
    /// for the log line, after "resuming after epoch N".
    func verify(_ position: Checkpoint.Position, stateDirectory: String) throws -> String
    /// There is nothing to resume: no checkpoint, or one whose input had `finished`.
    func startAfresh(store: CheckpointStore, stateDirectory: String, finished: Bool, logger: Logger) throws
}

extension EpochDriver {
    /// Loads the checkpoint in `store` and restores it, the same for every source: it must belong to this
    /// source, the mirror must hold every epoch it covers, and its engine state must be readable. Nil when the
    /// job starts from the beginning.
    static func restore(from store: CheckpointStore, stateDirectory dir: String, mirror: SQLiteMirror,
                        database: String, rules: some ResumeRules, logger: Logger) throws -> Resumed? {
        let loaded = try store.load()
        guard let found = loaded, !found.finished else {
            try rules.startAfresh(store: store, stateDirectory: dir, finished: loaded != nil, logger: logger)
            return nil
        }
        let at = try rules.verify(found.position, stateDirectory: dir)
        if let problem = mirror.resumeProblem(epoch: found.epoch, source: found.position.sourceName) {
            throw CheckpointError.mirror(database, stateDirectory: dir, epoch: found.epoch, problem: problem)
        }
        let state: EngineState
        do {
            state = try EngineState(snapshot: found.engineState)
        } catch {
            throw CheckpointError("the engine state in \(dir) cannot be restored (\(error)); use --reset")
        }
        logger.info("resuming after epoch \(found.epoch)\(at)")
        return Resumed(checkpoint: found, state: state)
    }
}
