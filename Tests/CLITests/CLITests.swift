import Foundation
import Testing
import TripFixtures
import TripPipeline
import TripSQLite
import TripTesting

let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

struct Run {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs the built binary with arguments (and optional standard input).
func tripstream(_ args: [String], stdin: Data? = nil, cwd: String? = nil, environment: [String: String] = [:]) throws -> Run {
    let binary = repoRoot.appendingPathComponent(".build/debug/tripstream")
    let p = Process()
    p.executableURL = binary
    p.arguments = args
    if !environment.isEmpty {
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    if let cwd { p.currentDirectoryURL = URL(fileURLWithPath: cwd) }
    let out = Pipe(), err = Pipe(), input = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = input
    signal(SIGPIPE, SIG_IGN)  // a child that exits early must not kill the test process
    try p.run()
    let writer = input.fileHandleForWriting
    let done = DispatchSemaphore(value: 0)
    DispatchQueue.global().async {
        if let stdin { try? writer.write(contentsOf: stdin) }
        try? writer.close()
        done.signal()
    }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    done.wait()
    return Run(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
}

@Suite struct CLITests {
    @Test func helpExplainsEverySubcommand() throws {
        let r = try tripstream(["--help"])
        #expect(r.status == 0)
        for word in ["replay", "query", "generate", "bench", "config", "hotspot_window"] {
            #expect(r.stdout.contains(word), "--help lacks \(word)")
        }
        let replay = try tripstream(["replay", "--help"])
        #expect(replay.stdout.contains("event-time  the default for files"))
    }

    /// The committed fixture is exactly what `generate` makes from its documented parameters.
    @Test func fixtureIsReproducible() throws {
        let r = try tripstream(["generate", "--rows", "2000", "--seed", "42", "--disorder", "0.05", "--bad", "0.01"])
        #expect(r.status == 0)
        let committed = try String(contentsOf: repoRoot.appendingPathComponent("fixtures/trips-2k.csv"), encoding: .utf8)
        #expect(r.stdout == committed)
    }

    @Test func replaysTheFixtureAndQueries() throws {
        let dir = scratchDirectory("cli")
        let db = "\(dir)/m.sqlite"
        let r = try tripstream(["replay", repoRoot.appendingPathComponent("fixtures/trips-2k.csv").path, "--db", db])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("rows read        2000"))
        #expect(r.stdout.contains("peak RSS"))
        let rejected = try #require(try SQLiteDatabase(path: db).scalar("SELECT COUNT(*) FROM dead_letters")?.int64)
        #expect(r.stdout.contains("rejected         \(rejected) "))
        let q = try tripstream(["query", "trips_total", "--db", db, "--format", "csv"])
        #expect(q.status == 0)
        let lines = q.stdout.split(separator: "\n")
        #expect(lines.first == "day,trips_total,fare_total,tips_avg,trip_total_avg,final")
        let total = lines.dropFirst().compactMap { Int($0.split(separator: ",")[1]) }.reduce(0, +)
        #expect(Int64(total) == 2000 - rejected)
        let top = try tripstream(["query", "hotspot_community_window", "--db", db, "--top", "3", "--format", "jsonl", "--limit", "3"])
        #expect(top.stdout.split(separator: "\n").count == 3)
        #expect(top.stdout.hasPrefix("{\"window_start\":"))
    }

    @Test func replaysStandardInputInFileOrder() throws {
        let dir = scratchDirectory("cli")
        let csv = try Data(contentsOf: repoRoot.appendingPathComponent("fixtures/trips-2k.csv"))
        let r = try tripstream(["replay", "-", "--db", "\(dir)/s.sqlite", "--epoch-rows", "100"], stdin: csv)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("order file"))
        #expect(r.stdout.contains("rows read        2000"))
        let sorted = try tripstream(["replay", "-", "--order", "event-time", "--db", "\(dir)/t.sqlite"], stdin: csv)
        #expect(sorted.status != 0)
        #expect(sorted.stderr.contains("stdin replays in file order"))
    }

    @Test func clearErrorsAndNonZeroExits() throws {
        let dir = scratchDirectory("cli")
        let config = "\(dir)/bad.json"
        try #"{"queries": {"hotspot_window": {"slide": "2h"}}}"#.write(toFile: config, atomically: true, encoding: .utf8)
        let fixture = repoRoot.appendingPathComponent("fixtures/trips-2k.csv").path
        var r = try tripstream(["replay", fixture, "--db", "\(dir)/x.sqlite", "--config", config])
        #expect(r.status != 0)
        #expect(r.stderr.contains("queries.hotspot_window.slide"))
        r = try tripstream(["replay", "\(dir)/missing.csv", "--db", "\(dir)/x.sqlite"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("cannot open \(dir)/missing.csv"))
        r = try tripstream(["replay", fixture, "--db", "\(dir)/x.sqlite", "--profile", "turbo"])
        #expect(r.status != 0 && r.stderr.contains("unknown profile"))
        r = try tripstream(["query", "Fares", "--db", "\(dir)/x.sqlite"])  // no query can have that name
        #expect(r.status != 0 && r.stderr.contains("unknown query Fares"))
        r = try tripstream(["query", "trips_total", "--db", "\(dir)/none.sqlite"])
        #expect(r.status != 0 && r.stderr.contains("no mirror at"))
        try "Fare,Tips\n1,2\n".write(toFile: "\(dir)/notime.csv", atomically: true, encoding: .utf8)
        r = try tripstream(["replay", "\(dir)/notime.csv", "--db", "\(dir)/x.sqlite"])
        #expect(r.status != 0 && r.stderr.contains("no trip_start_timestamp column"))
        try "".write(toFile: "\(dir)/empty.csv", atomically: true, encoding: .utf8)
        r = try tripstream(["replay", "\(dir)/empty.csv", "--db", "\(dir)/x.sqlite", "--order", "file"])
        #expect(r.status != 0 && r.stderr.contains("is empty"))
        r = try tripstream(["run", "--brokers", "127.0.0.1:9", "--max-epoch-delay", "0", "--db", "\(dir)/x.sqlite"])
        #expect(r.status != 0 && r.stderr.contains("expected a whole number from 1 to 3600000 ms"))
        r = try tripstream(["create-topics", "--brokers", "127.0.0.1:9", "--partitions", "0"])
        #expect(r.status != 0 && r.stderr.contains("expected a whole number from 1 to 100000"))
    }

    /// `create-topics` against the dev broker (no controller) fails within its --timeout with librdkafka's reason
    /// instead of hanging or claiming success. (Its plan of the tenant's topics: TripToolsTests.TopicPlanTests.)
    @Test func createTopicsFailsClearlyWithoutAController() throws {
        let broker = try DevBroker(["--brokers", "1"])
        defer { _ = broker.stop() }
        let start = Date()
        let r = try tripstream(["create-topics", "--brokers", broker.bootstrap, "--tenant", "acme", "--timeout", "1000"])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stderr.contains("creating topics") && r.stderr.contains("controller"), "\(r.stderr)")
        #expect(Date().timeIntervalSince(start) < 15)
        let help = try tripstream(["create-topics", "--help"])
        #expect(help.stdout.contains("dev-broker") && help.stdout.contains("cleanup.policy=compact"))
    }
}
