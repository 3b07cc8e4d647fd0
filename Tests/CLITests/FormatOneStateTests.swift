import Foundation
import Testing
import TripSinks
import TripTesting

/// State directories the build before checkpoint format 2 wrote (fixtures/format-1-state, see its README):
/// an upgrade resumes them where they stopped, and the mirror ends as an uninterrupted run leaves it.
///
/// Each fixture holds only the LMDB file. The mirror (and the event-time sort's run file) come from this build
/// crashing at the point the fixture's run crashed at, which leaves the same epochs in them; the fixture's
/// `data.mdb` then replaces this build's own, so the resume reads only what the older build wrote.
@Suite struct FormatOneStateTests {
    static let crashPoint = ["TRIPSTREAM_CRASH_AT": "after-lmdb-commit:2"]

    /// Puts the older build's LMDB file of `kind` in place of the state in `state`.
    func installFixture(_ kind: String, state: String) throws {
        for file in ["data.mdb", "lock.mdb"] { try? FileManager.default.removeItem(atPath: "\(state)/\(file)") }
        try FileManager.default.copyItem(atPath: repoRoot.appendingPathComponent("fixtures/format-1-state/\(kind)/data.mdb").path,
                                         toPath: "\(state)/data.mdb")
    }

    /// The replay the fixtures were made with: the input path is relative, as stored in the state, so it runs
    /// in the repository's root.
    /// `file-sql`: the file-order replay with two SQL queries beside the built-ins (their state follows the
    /// built-ins' in a format-1 engine snapshot).
    @Test(arguments: [("file", "file", 426_875), ("event-time", "event-time", 1000), ("file-sql", "file", 426_875)])
    func replayResumesAFormatOneState(kind: String, order: String, position: Int) throws {
        let dir = scratchDirectory("cli")
        let config = kind == "file-sql" ? ["--config", "fixtures/bench/sql-queries-2.json"] : []
        func replay(_ db: String, state: String) -> [String] {
            ["replay", "fixtures/trips-2k.csv", "--db", "\(dir)/\(db)", "--state", "\(dir)/\(state)", "--epoch-rows", "500",
             "--order", order, "--sort-memory", "1", "--quiet", "--log-level", "info"] + config
        }
        let args = replay("m.sqlite", state: "state")
        let crashed = try tripstream(args, cwd: repoRoot.path, environment: Self.crashPoint)
        try #require(crashed.status == 86, "\(crashed.stderr)")
        try installFixture(kind, state: "\(dir)/state")
        let resumed = try tripstream(args, cwd: repoRoot.path)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming after epoch 2 (\(order) order, position \(position))"), "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resumed after epoch 2"), "\(resumed.stdout)")
        let clean = try tripstream(replay("clean.sqlite", state: "clean-state"), cwd: repoRoot.path)
        try #require(clean.status == 0, "\(clean.stderr)")
        let tables = MirrorSchema.allTables + (config.isEmpty ? [] : ["revenue_by_company", "payments_per_day"])
        let resumedDump = try mirrorDump("\(dir)/m.sqlite", tables: tables)
        #expect(resumedDump == (try mirrorDump("\(dir)/clean.sqlite", tables: tables)))
        #expect(tables.allSatisfy { !(resumedDump[$0] ?? []).isEmpty }, "every table has rows")
    }

    /// `run` over one partition holding the fixture's rows, one message each, as the fixture was made: the
    /// resume starts at the offsets and message count the older build checkpointed.
    @Test func runResumesAFormatOneState() throws {
        let dir = scratchDirectory("cli")
        let rows = try String(contentsOf: repoRoot.appendingPathComponent("fixtures/trips-2k.csv"), encoding: .utf8)
            .split(separator: "\n").dropFirst().joined(separator: "\n") + "\n"
        let broker = try DevBroker(["--brokers", "1", "--partitions", "1"])
        defer { _ = broker.stop() }
        #expect(try kcat(["-P", "-b", broker.bootstrap, "-t", "tenantstreamapp_ingestData"], stdin: rows).status == 0)
        func run(_ db: String, state: String, group: String) -> [String] {
            ["run", "--brokers", broker.bootstrap, "--format", "csv", "--db", "\(dir)/\(db)", "--state", "\(dir)/\(state)",
             "--group", group, "--stop-at-end", "--epoch-rows", "500", "--no-result-topics", "--log-level", "info"]
        }
        let args = run("k.sqlite", state: "state", group: "upgraded")
        let crashed = try tripstream(args, environment: Self.crashPoint)
        try #require(crashed.status == 86, "\(crashed.stderr)")
        try installFixture("kafka", state: "\(dir)/state")
        let resumed = try tripstream(args)
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming after epoch 2 at offsets [1000]"), "\(resumed.stderr)")
        #expect(resumed.stdout.contains("resumed after epoch 2"), "\(resumed.stdout)")
        let reference = try tripstream(run("ref.sqlite", state: "ref-state", group: "reference"))
        try #require(reference.status == 0, "\(reference.stderr)")
        // All tables, progress too: its positions count on from the message count the older build stored.
        #expect(try mirrorDump("\(dir)/k.sqlite") == mirrorDump("\(dir)/ref.sqlite"))
    }
}
