import Foundation
import Testing
import TripTesting

/// A checkpoint resumes only into a mirror that holds its epochs: a mirror behind its checkpoint (log lost,
/// file deleted, an older copy put back) or a damaged one would otherwise resume silently and stay wrong.
@Suite struct MirrorResumeTests {
    /// Crashes the replay right after checkpoint `hit`: the mirror's first epochs may be only in its log.
    func crashedReplay(_ f: RecoveryFixture, _ name: String, hit: Int = 3) throws -> [String] {
        let args = f.replayArgs(name, order: "file")
        let crashed = try tripstream(args, environment: ["TRIPSTREAM_CRASH_AT": "after-lmdb-commit:\(hit)"])
        try #require(crashed.status == 86, "\(crashed.stderr)")
        return args
    }

    func expectRefused(_ r: Run, mirror: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(r.status != 0, "resumed into a bad mirror: \(r.stdout)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(mirror) && r.stderr.contains("--reset"), "\(r.stderr)", sourceLocation: sourceLocation)
    }

    @Test func replayRefusesAMirrorBehindItsCheckpoint() throws {
        let f = try RecoveryFixture()
        let clean = try f.clean(order: "file")
        // Its log deleted: the epochs committed only there are gone.
        let lost = "\(f.dir)/lost.sqlite"
        let args = try crashedReplay(f, "lost")
        for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: lost + suffix) }
        expectRefused(try tripstream(args), mirror: lost)
        // Deleted altogether.
        let gone = "\(f.dir)/gone.sqlite"
        let goneArgs = try crashedReplay(f, "gone")
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: gone + suffix) }
        expectRefused(try tripstream(goneArgs), mirror: gone)
        // An older copy put back: taken after checkpoint 1, the state then went on to epoch 4.
        let older = "\(f.dir)/older.sqlite"
        let olderArgs = try crashedReplay(f, "older", hit: 1)
        for suffix in ["", "-wal"] { try FileManager.default.copyItem(atPath: older + suffix, toPath: "\(f.dir)/copy" + suffix) }
        let crashedAgain = try tripstream(olderArgs, environment: ["TRIPSTREAM_CRASH_AT": "after-lmdb-commit:3"])
        try #require(crashedAgain.status == 86, "\(crashedAgain.stderr)")
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: older + suffix) }
        for suffix in ["", "-wal"] { try FileManager.default.copyItem(atPath: "\(f.dir)/copy" + suffix, toPath: older + suffix) }
        expectRefused(try tripstream(olderArgs), mirror: older)
        // The refusal names the fix, and the fix works.
        let reset = try tripstream(args + ["--reset"])
        #expect(reset.status == 0, "\(reset.stderr)")
        #expect(try f.dump("lost") == clean)
    }

    /// A mirror whose pages were overwritten, every page but the first (the schema) in turn, on a copy: the
    /// resume refuses it, or (a page no table uses) ends with the uninterrupted replay's mirror. Crashed late (15
    /// of 20 epochs), the mirror has pages the resume never reads: with those overwritten, it resumed with exit 0.
    @Test func replayRefusesADamagedMirror() throws {
        let f = try RecoveryFixture()
        let clean = try f.clean(order: "file")
        let args = try crashedReplay(f, "whole", hit: 15)
        let whole = "\(f.dir)/whole.sqlite"
        #expect(try output(of: "/usr/bin/sqlite3", [whole, "PRAGMA wal_checkpoint(TRUNCATE);"]).hasPrefix("0|"))
        let image = try Data(contentsOf: URL(fileURLWithPath: whole))
        let pageSize = 16384
        let pages = image.count / pageSize
        try #require(pages > 3)
        for page in 1..<pages {
            let name = "damaged-\(page)"
            let path = "\(f.dir)/\(name).sqlite"
            var copy = image
            copy.replaceSubrange(page * pageSize..<(page + 1) * pageSize,
                                 with: (0..<pageSize).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ page) })
            try copy.write(to: URL(fileURLWithPath: path))
            try FileManager.default.copyItem(atPath: "\(whole).tenantstreamapp.state", toPath: "\(path).tenantstreamapp.state")
            let r = try tripstream(args.map { $0 == whole ? path : $0 })
            if r.status == 0 {
                #expect((try? f.dump(name)) == clean, "page \(page) overwritten, resumed into a wrong (or unreadable) mirror")
            }
        }
    }

    @Test func runRefusesAMirrorBehindItsCheckpoint() throws {
        let dir = scratchDirectory("cli")
        let input = "\(dir)/in.csv"
        #expect(try tripstream(["generate", "--rows", "1200", "--seed", "31", "--per-day", "500", "-o", input]).status == 0)
        let broker = try DevBroker(["--brokers", "1", "--partitions", "1"])
        defer { _ = broker.stop() }
        #expect(try tripstream(["produce", input, "--brokers", broker.bootstrap, "--quiet"]).status == 0)
        let db = "\(dir)/k.sqlite"
        let args = ["run", "--brokers", broker.bootstrap, "--db", db, "--stop-at-end", "--epoch-rows", "200", "--log-level", "error"]
        let crashed = try tripstream(args, environment: ["TRIPSTREAM_CRASH_AT": "after-lmdb-commit:3"])
        try #require(crashed.status == 86, "\(crashed.stderr)")
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
        expectRefused(try tripstream(args), mirror: db)
    }
}
