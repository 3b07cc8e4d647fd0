import Logging
import Testing
import TripCheckpoint
import TripCore
import TripEngine
import TripParsing
import TripSinks
import TripTesting
@testable import TripPipeline

/// The driver with an in-memory source, a real checkpoint store and a real mirror: a run stopped part-way and
/// resumed from its checkpoint ends exactly as a run straight through, and restoring checks the source.
@Suite struct EpochDriverTests {
    /// Epochs of trips held in memory; its position is the number of records fed. It stops (as `run` does when
    /// told to) before epoch `stopBefore`, and is opened at a checkpoint's position by skipping what it covers.
    final class MemorySource: EpochSource {
        let epochs: [[DecodeOutcome]]
        let stopBefore: Int?
        var nextEpochIndex = 0
        var fed: Int64 = 0

        init(epochs: [[DecodeOutcome]], stopBefore: Int? = nil, at position: Checkpoint.Position? = nil) {
            self.epochs = epochs
            self.stopBefore = stopBefore
            if case .file(_, let offset)? = position {
                while fed < offset {
                    fed += Int64(epochs[nextEpochIndex].count)
                    nextEpochIndex += 1
                }
            }
        }

        func nextEpoch(_ engine: inout Engine, deadLetters: inout [DeadLetter]) throws -> EpochInput? {
            guard nextEpochIndex != stopBefore else { return nil }
            for outcome in epochs[nextEpochIndex] {
                engine.state.counters.rowsRead += 1
                var row = QueryRow()
                if case .trip(let trip) = outcome { row = engine.row(of: trip) }
                engine.accept(outcome, row: row, offset: fed, raw: { ("row \(self.fed)", nil) }, into: &deadLetters)
                fed += 1
            }
            nextEpochIndex += 1
            return EpochInput(endOfInput: nextEpochIndex == epochs.count,
                              progress: EpochProgress(source: "memory", position: fed, orderMode: "file"))
        }

        var checkpointPosition: Checkpoint.Position { .file(InputFile(path: "memory", size: 0), nextRecordOffset: fed) }
        func submitted(_ input: EpochInput, engine: Engine) {}
    }

    struct MemoryRules: ResumeRules {
        func verify(_ position: Checkpoint.Position, stateDirectory: String) throws -> String {
            guard position.sourceName == "memory" else { throw CheckpointError("not memory's: \(position.sourceName)") }
            return " (memory)"
        }
        func startAfresh(store: CheckpointStore, stateDirectory: String, finished: Bool, logger: Logger) throws {
            try store.discardProgress()
        }
    }

    /// Four epochs of a trip a minute, the third with a row rejected and a trip hours late.
    static var epochs: [[DecodeOutcome]] {
        (0..<4).map { e in
            var epoch = (0..<5).map { i in
                DecodeOutcome.trip(Trip(eventTime: 1_700_000_000_000 + Int64(e * 5 + i) * 60_000,
                                        fareCents: 1000 + Int64(i), communityArea: Int32(i % 3)))
            }
            if e == 2 { epoch += [.rejected("bad row"), .trip(Trip(eventTime: 1_699_990_000_000, fareCents: 5))] }
            return epoch
        }
    }

    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// A driver writing to the mirror and checkpointing every epoch in `dir`, restored from what is there.
    func run(in dir: String, stopBefore: Int? = nil) throws -> (summary: ReplaySummary, engine: Engine, resumed: Resumed?) {
        let mirror = try SQLiteMirror(path: dir + "/m.sqlite", tenant: "t", queries: Engine(config: .chicago).queries)
        let store = try CheckpointStore(directory: dir + "/state", fingerprint: "test", reset: false)
        let resumed = try EpochDriver.restore(from: store, stateDirectory: dir + "/state", mirror: mirror,
                                              database: dir + "/m.sqlite", rules: MemoryRules(), logger: logger)
        if resumed == nil { try mirror.clearTenant() }
        let writer = CommitCoordinator(sinks: [MirrorSink(mirror: mirror, telemetry: nil)], checkpoints: store)
        let driver = EpochDriver(engine: Engine(config: .chicago, state: resumed?.state ?? EngineState()), writer: writer,
                                 checkpoints: CheckpointPlan(store: store))
        let source = MemorySource(epochs: Self.epochs, stopBefore: stopBefore, at: resumed?.checkpoint.position)
        let summary = try driver.run(source, start: Clock.monotonicSeconds(), resumedAfterEpoch: resumed?.checkpoint.epoch)
        return (summary, driver.engine, resumed)
    }

    @Test func stoppedAndResumedEqualsStraightThrough() throws {
        let straight = try run(in: scratchDirectory("driver"))
        #expect(straight.summary.epochs == 4)
        #expect(straight.summary.deadLetters > 1)

        let dir = scratchDirectory("driver")
        let stopped = try run(in: dir, stopBefore: 2)
        #expect(stopped.summary.epochs == 2)
        let resumed = try run(in: dir)
        #expect(resumed.resumed?.checkpoint.epoch == 2)
        #expect(resumed.resumed?.checkpoint.position == .file(InputFile(path: "memory", size: 0), nextRecordOffset: 10))
        #expect(resumed.summary.resumedAfterEpoch == 2)
        #expect(resumed.summary.epochs == 4)
        #expect(stopped.summary.deadLetters + resumed.summary.deadLetters == straight.summary.deadLetters)
        #expect(resumed.engine.state.snapshot() == straight.engine.state.snapshot())

        // The last checkpoint is the end of input: the next run starts from the beginning.
        let again = try run(in: dir)
        #expect(again.resumed == nil)
        #expect(again.engine.state.snapshot() == straight.engine.state.snapshot())
    }

    @Test func restoreRefusesAnotherSourcesCheckpoint() throws {
        let dir = scratchDirectory("driver")
        let mirror = try SQLiteMirror(path: dir + "/m.sqlite", tenant: "t")
        let store = try CheckpointStore(directory: dir + "/state", fingerprint: "test", reset: false)
        try store.save(Checkpoint(epoch: 1, position: .kafka(topic: "trips", nextOffsets: [3], messagesRead: 3),
                                  engineState: EngineState().snapshot(), finished: false), beforeCommit: {})
        #expect(throws: CheckpointError.self) {
            try EpochDriver.restore(from: store, stateDirectory: dir + "/state", mirror: mirror, database: dir + "/m.sqlite",
                                    rules: MemoryRules(), logger: logger)
        }
    }
}
