import Foundation
import Testing
import TripSinks
import TripSQLite
import TripTesting

/// The canonical dump of the default tenant's rows in the mirror at `path`.
func mirrorDump(_ path: String, tables: [String] = MirrorSchema.allTables) throws -> [String: [String]] {
    try SQLiteMirror.canonicalDump(try SQLiteDatabase(path: path, readOnly: true), tenant: "tenantstreamapp", tables: tables)
}

/// A generated input plus the mirror of its uninterrupted replay, per order.
struct RecoveryFixture {
    let dir: String
    let input: String

    init(rows: Int = 4000, seed: Int = 5) throws {
        dir = scratchDirectory("cli")
        input = "\(dir)/in.csv"
        let g = try tripstream(["generate", "--rows", "\(rows)", "--seed", "\(seed)", "--per-day", "1500",
                                "--disorder", "0.1", "--bad", "0.01", "-o", input])
        try #require(g.status == 0)
    }

    func replayArgs(_ name: String, order: String, extra: [String] = []) -> [String] {
        ["replay", input, "--db", "\(dir)/\(name).sqlite", "--order", order, "--epoch-rows", "200",
         "--sort-memory", "1", "--quiet"] + extra
    }

    func dump(_ name: String) throws -> [String: [String]] { try mirrorDump("\(dir)/\(name).sqlite") }

    /// Replays without interruption and returns the mirror's dump.
    func clean(order: String, extra: [String] = []) throws -> [String: [String]] {
        let name = "clean-\(order)-\(extra.joined())"
        let r = try tripstream(replayArgs(name, order: order, extra: extra))
        try #require(r.status == 0, "\(r.stderr)")
        return try dump(name)
    }
}

enum Mount {
    /// Mounts a tmpfs of `size` at `path` (needs root, as CI has); false when not permitted.
    static func tmpfs(_ path: String, size: String) -> Bool {
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return run(["/bin/mount", "-t", "tmpfs", "-o", "size=\(size)", "tmpfs", path])
    }
    static func remount(_ path: String, _ options: String) -> Bool { run(["/bin/mount", "-o", "remount,\(options)", path]) }
    static func unmount(_ path: String) { _ = run(["/bin/umount", path]) }
    static func run(_ argv: [String]) -> Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: argv[0])
        p.arguments = Array(argv.dropFirst())
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }
}

@Suite struct RecoveryTests {
    static let points = ["mid-epoch", "before-sqlite-commit", "after-sqlite-commit", "before-lmdb-commit", "after-lmdb-commit"]

    /// Crash at every point (at its 1st and 4th passage), restart, and the mirror equals an uninterrupted run.
    @Test(arguments: ["file", "event-time"])
    func everyCrashPointRecoversExactly(order: String) throws {
        let f = try RecoveryFixture()
        let clean = try f.clean(order: order)
        for point in Self.points {
            for hit in [1, 4] {
                let name = "\(point)-\(hit)-\(order)"
                let crashed = try tripstream(f.replayArgs(name, order: order),
                                             environment: ["TRIPSTREAM_CRASH_AT": "\(point):\(hit)"])
                #expect(crashed.status == 86, "\(name): \(crashed.stderr)")
                let resumed = try tripstream(f.replayArgs(name, order: order))
                #expect(resumed.status == 0, "\(name): \(resumed.stderr)")
                // The writer thread commits epochs in order, so the resume point is exact for its points.
                let expected: Int? = switch (point, hit) {
                case ("before-sqlite-commit", 4), ("after-sqlite-commit", 4), ("before-lmdb-commit", 4): 3
                case ("after-lmdb-commit", _): hit
                default: nil
                }
                if let expected {
                    #expect(resumed.stdout.contains("resumed after epoch \(expected)"), "\(name): \(resumed.stdout)")
                }
                #expect(try f.dump(name) == clean, "\(name): mirror differs from the uninterrupted run")
            }
        }
    }

    /// The same with four SQL queries beside the built-ins (text groups, a day window, HOP, trip_end time): their
    /// tables, late dead letters and progress equal an uninterrupted run's after a crash at every point.
    @Test(arguments: ["file", "event-time"])
    func everyCrashPointRecoversExactlyWithSQLQueries(order: String) throws {
        let f = try RecoveryFixture()
        let config = ["--config", repoRoot.appendingPathComponent("fixtures/bench/sql-queries-4.json").path]
        let tables = MirrorSchema.allTables + ["revenue_by_company", "payments_per_day", "miles_by_area", "dropoff_tips"]
        let cleanName = "clean-sql-\(order)"
        try #require(try tripstream(f.replayArgs(cleanName, order: order, extra: config)).status == 0)
        let clean = try mirrorDump("\(f.dir)/\(cleanName).sqlite", tables: tables)
        #expect(clean["revenue_by_company"]?.isEmpty == false && clean["payments_per_day"]?.isEmpty == false)
        for point in Self.points {
            let name = "sql-\(point)-\(order)"
            let crashed = try tripstream(f.replayArgs(name, order: order, extra: config),
                                         environment: ["TRIPSTREAM_CRASH_AT": "\(point):4"])
            #expect(crashed.status == 86, "\(name): \(crashed.stderr)")
            let resumed = try tripstream(f.replayArgs(name, order: order, extra: config))
            #expect(resumed.status == 0, "\(name): \(resumed.stderr)")
            #expect(point == "mid-epoch" || resumed.stdout.contains("resumed after epoch"), "\(name): \(resumed.stdout)")
            #expect(try mirrorDump("\(f.dir)/\(name).sqlite", tables: tables) == clean,
                    "\(name): mirror differs from the uninterrupted run")
        }
        let verify = try tripstream(["verify-recovery", f.input, "--kills", "8", "--seed", "4", "--order", order,
                                     "--sort-memory", "1", "--epoch-rows", "200"] + config)
        #expect(verify.status == 0, "\(verify.stdout)\n\(verify.stderr)")
        #expect(verify.stdout.contains("revenue_by_company") && verify.stdout.contains("verdict: identical (0 differences)"),
                "\(verify.stdout)")
    }

    /// A crash in the external sort's first pass resumes at the last complete run, not from zero.
    @Test func crashDuringTheSortResumesTheSort() throws {
        let f = try RecoveryFixture(rows: 6000, seed: 6)
        let clean = try f.clean(order: "event-time")
        let args = f.replayArgs("sort", order: "event-time") + ["--log-level", "info"]
        let crashed = try tripstream(args, environment: ["TRIPSTREAM_CRASH_AT": "during-sort:5"])
        #expect(crashed.status == 86)
        let resumed = try tripstream(args)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming the external sort after 2 complete runs"), "\(resumed.stderr)")
        #expect(try f.dump("sort") == clean)
    }

    /// Random SIGKILLs through the user-facing command, both orders: 30 kills each, no difference.
    @Test(arguments: ["file", "event-time"])
    func verifyRecoveryWithThirtyKills(order: String) throws {
        let f = try RecoveryFixture(rows: 3000, seed: 7)
        let r = try tripstream(["verify-recovery", f.input, "--kills", "30", "--seed", "3", "--order", order,
                                "--sort-memory", "1", "--epoch-rows", "100"])
        #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("30 kills (SIGKILL)"))
        #expect(r.stdout.contains("verdict: identical (0 differences)"), "\(r.stdout)")
    }

    /// An old state under a changed configuration is refused with the way out; --reset starts fresh.
    @Test func changedConfigurationNeedsReset() throws {
        let f = try RecoveryFixture(rows: 2000, seed: 8)
        let crashed = try tripstream(f.replayArgs("cfg", order: "file"), environment: ["TRIPSTREAM_CRASH_AT": "after-lmdb-commit:2"])
        #expect(crashed.status == 86)
        var changed = f.replayArgs("cfg", order: "file")
        changed[changed.firstIndex(of: "200")!] = "300"
        let refused = try tripstream(changed)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("different configuration") && refused.stderr.contains("--reset"), "\(refused.stderr)")
        let reset = try tripstream(changed + ["--reset"])
        #expect(reset.status == 0, "\(reset.stderr)")
        #expect(!reset.stdout.contains("resumed"))
        let clean300 = try tripstream(["replay", f.input, "--db", "\(f.dir)/clean300.sqlite", "--order", "file",
                                       "--epoch-rows", "300", "--quiet"])
        #expect(clean300.status == 0)
        #expect(try f.dump("cfg") == f.dump("clean300"))
    }

    /// A lost state directory is an error (never a silent restart from zero); --reset is the way out.
    @Test func missingStateIsNotASilentRestart() throws {
        let f = try RecoveryFixture(rows: 2000, seed: 12)
        let args = f.replayArgs("lost", order: "file")
        #expect(try tripstream(args, environment: ["TRIPSTREAM_CRASH_AT": "after-lmdb-commit:3"]).status == 86)
        try FileManager.default.removeItem(atPath: "\(f.dir)/lost.sqlite.tenantstreamapp.state")
        let refused = try tripstream(args)
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("is missing") && refused.stderr.contains("--reset"), "\(refused.stderr)")
        #expect(try tripstream(args + ["--reset"]).status == 0)
        #expect(try f.dump("lost") == f.clean(order: "file"))
    }

    @Test func damagedStateIsAClearErrorNotACrash() throws {
        let f = try RecoveryFixture(rows: 500, seed: 9)
        let state = "\(f.dir)/bad.sqlite.tenantstreamapp.state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        try Data(repeating: 0x42, count: 65_536).write(to: URL(fileURLWithPath: state + "/data.mdb"))
        let r = try tripstream(f.replayArgs("bad", order: "file"))
        #expect(r.status == 1)
        #expect(r.stderr.contains("damaged or foreign"), "\(r.stderr)")
    }

    /// Disk full mid-replay: a clear error, the last checkpoint kept; with space again it resumes exactly.
    @Test func diskFullThenResume() throws {
        let f = try RecoveryFixture(rows: 4000, seed: 10)
        let clean = try f.clean(order: "file")
        let mnt = "\(f.dir)/small"
        try #require(Mount.tmpfs(mnt, size: "1m"), "mounting a tmpfs needs root (CI runs as root)")
        defer { Mount.unmount(mnt) }
        let args = ["replay", f.input, "--db", "\(mnt)/m.sqlite", "--order", "file", "--epoch-rows", "200", "--quiet"]
        let full = try tripstream(args)
        #expect(full.status != 0)
        #expect(full.stderr.lowercased().contains("full"), "\(full.stderr)")
        try #require(Mount.remount(mnt, "size=64m"))
        let resumed = try tripstream(args)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resumed after epoch"))
        let dump = try mirrorDump("\(mnt)/m.sqlite")
        #expect(dump == clean)
    }

    /// A read-only state directory: a clear error and nothing changed; writable again, it resumes.
    @Test func readOnlyStateThenResume() throws {
        let f = try RecoveryFixture(rows: 3000, seed: 11)
        let clean = try f.clean(order: "file")
        let mnt = "\(f.dir)/ro"
        try #require(Mount.tmpfs(mnt, size: "64m"), "mounting a tmpfs needs root (CI runs as root)")
        defer { Mount.unmount(mnt) }
        let args = ["replay", f.input, "--db", "\(f.dir)/ro.sqlite", "--state", "\(mnt)/state", "--order", "file",
                    "--epoch-rows", "200", "--quiet"]
        #expect(try tripstream(args, environment: ["TRIPSTREAM_CRASH_AT": "after-lmdb-commit:3"]).status == 86)
        try #require(Mount.remount(mnt, "ro"))
        let refused = try tripstream(args)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("Read-only file system"), "\(refused.stderr)")
        try #require(Mount.remount(mnt, "rw"))
        let resumed = try tripstream(args)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resumed after epoch 3"), "\(resumed.stdout)")
        #expect(try f.dump("ro") == clean)
    }
}
