import Foundation
import Testing
import TripCheckpoint
import TripCore
import TripLMDB
import TripTesting

@Suite struct CheckpointStoreTests {
    let sample = Checkpoint(epoch: 17, position: .eventTime(InputFile(path: "/data/trips.csv", size: 123_456),
                                                            nextOrdinal: 170_000, runOffsets: [0, 99, 1 << 40]),
                            engineState: Array(0..<200).map(UInt8.init), finished: false)

    @Test func savesAndLoadsOneCheckpoint() throws {
        let dir = scratchDirectory("lmdb")
        let store = try CheckpointStore(directory: dir, fingerprint: "config A", reset: false)
        #expect(try store.load() == nil)
        try store.save(sample)
        #expect(try store.load() == sample)
        var next = sample
        next.epoch = 18
        next.finished = true
        try store.save(next)
        // reopened: the latest checkpoint only
        let reopened = try CheckpointStore(directory: dir, fingerprint: "config A", reset: false)
        #expect(try reopened.load() == next)
    }

    /// Cuts logged by time survive a reopen, are listed after a checkpoint's epoch, and a checkpoint drops those
    /// up to its own epoch; a fresh start discards them.
    @Test func loggedCutsLiveUntilTheirEpochIsCheckpointed() throws {
        let dir = scratchDirectory("lmdb")
        let store = try CheckpointStore(directory: dir, fingerprint: "config A", reset: false)
        try store.logCut(epoch: 18, endOffsets: [10, -2])
        try store.logCut(epoch: 19, endOffsets: [12, 3])
        try store.logCut(epoch: 300, endOffsets: [1 << 40, 0])
        let reopened = try CheckpointStore(directory: dir, fingerprint: "config A", reset: false)
        #expect(try reopened.loggedCuts(after: 17) == [18: [10, -2], 19: [12, 3], 300: [1 << 40, 0]])
        #expect(try reopened.loggedCuts(after: 18) == [19: [12, 3], 300: [1 << 40, 0]])
        var c = sample
        c.epoch = 19
        try reopened.save(c)
        #expect(try reopened.loggedCuts(after: 0) == [300: [1 << 40, 0]])
        try reopened.discardProgress()
        #expect(try reopened.loggedCuts(after: 0).isEmpty)
    }

    @Test func aChangedConfigurationIsRefusedUntilReset() throws {
        let dir = scratchDirectory("lmdb")
        try CheckpointStore(directory: dir, fingerprint: "config A", reset: false).save(sample)
        do {
            _ = try CheckpointStore(directory: dir, fingerprint: "config B", reset: false)
            Issue.record("opened a state written under another configuration")
        } catch let e as CheckpointError {
            #expect(e.description.contains("different configuration"))
            #expect(e.description.contains("--reset"))
        }
        // untouched by the refusal
        #expect(try CheckpointStore(directory: dir, fingerprint: "config A", reset: false).load() == sample)
        let reset = try CheckpointStore(directory: dir, fingerprint: "config B", reset: true)
        #expect(try reset.load() == nil)
        #expect(throws: CheckpointError.self) { _ = try CheckpointStore(directory: dir, fingerprint: "config A", reset: false) }
    }

    @Test func sortProgressRoundTripsAndIsDiscarded() throws {
        let store = try CheckpointStore(directory: scratchDirectory("lmdb"), fingerprint: "f", reset: false)
        let m = SortManifest(runs: 3, inputOffset: 4096, records: 30_000, complete: false)
        try store.saveSortManifest(m)
        #expect(try store.loadSortManifest() == m)
        try "x".write(toFile: store.sortDirectory + "/run-0", atomically: true, encoding: .utf8)
        try store.save(sample)
        try store.discardProgress()
        #expect(try store.loadSortManifest() == nil)
        #expect(try store.load() == nil)
        #expect(!FileManager.default.fileExists(atPath: store.sortDirectory + "/run-0"))
    }

    @Test func foreignDamagedOrMisplacedStateIsAClearError() throws {
        // another application's LMDB environment
        let foreign = scratchDirectory("lmdb")
        do {
            let env = try LMDBEnvironment(path: foreign)
            let db = try env.database(named: "accounts", create: true)
            try env.write { try $0.put(db, Array("k".utf8), Array("v".utf8)) }
        }
        #expect { _ = try CheckpointStore(directory: foreign, fingerprint: "f", reset: false) } throws: { error in
            "\(error)".contains("not tripstream state")
        }
        // garbage in the data file
        let damaged = scratchDirectory("lmdb")
        try Data(repeating: 0x5A, count: 16_384).write(to: URL(fileURLWithPath: damaged + "/data.mdb"))
        #expect { _ = try CheckpointStore(directory: damaged, fingerprint: "f", reset: false) } throws: { error in
            "\(error)".contains("damaged or foreign")
        }
        // a file where the directory should be
        let file = scratchDirectory("lmdb") + "/state"
        try "not a directory".write(toFile: file, atomically: true, encoding: .utf8)
        #expect { _ = try CheckpointStore(directory: file, fingerprint: "f", reset: false) } throws: { error in
            "\(error)".contains("is a file, not a directory")
        }
    }
}
