import ArgumentParser
import Foundation
import TripCore
import TripFixtures
import TripSinks
import TripSQLite
import TripSources

struct VerifyRecoveryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-recovery",
        abstract: "Prove crash recovery on your data: replay cleanly, replay again under repeated kill -9, compare.",
        discussion: """
        1. Replays FILE into a scratch mirror without interruption.
        2. Replays it again into a second mirror, killing the child process with
           SIGKILL at --kills random moments (seeded by --seed) and restarting it
           each time, so that it resumes from its checkpoints; then lets it finish.
        3. Compares the two mirrors table by table; prints a verdict per table.
        Exits 0 when every table is identical, 1 otherwise. The scratch directory \
        is removed unless --work names one.
        """)

    @Argument(help: "CSV file to replay.")
    var input: String

    @Option(name: .long, parsing: .unconditional, help: Self.killsRange.help("Number of SIGKILLs.", default: 20),
            transform: Self.killsRange.parse)
    var kills = 20

    @Option(name: .long, parsing: .unconditional, help: OptionRanges.seed.help("Seed for the kill moments.", default: 1),
            transform: OptionRanges.seed.parse)
    var seed: UInt64 = 1

    @Option(name: .long, help: "file or event-time.")
    var order = "event-time"

    @Option(name: .long, parsing: .unconditional,
            help: OptionRanges.sortMemory.help("Memory for the event-time sort in MiB (small values exercise spilled runs).", default: 64),
            transform: OptionRanges.sortMemory.parse)
    var sortMemory = 64

    static let killsRange = NumericRange(0...10_000)

    @Option(name: .long, parsing: .unconditional,
            help: OptionRanges.maxRecordBytes.help("A longer CSV record is a dead letter (as in replay).",
                                                    default: CSVFileReader.defaultMaxRecordBytes, valueName: "bytes"),
            transform: OptionRanges.maxRecordBytes.parse)
    var maxRecordBytes = CSVFileReader.defaultMaxRecordBytes

    @Option(name: .long, help: "Scratch directory to use and keep (default: a temporary one, removed).")
    var work: String?

    @OptionGroup var options: ConfigOptions

    func run() throws {
        try OptionRanges.checkSortMemoryFits(sortMemory)
        guard ["file", "event-time"].contains(order) else { throw ValidationError("--order must be file or event-time") }
        guard FileManager.default.fileExists(atPath: input) else { throw ValidationError("no such file: \(input)") }
        let config = try options.resolve()
        let dir = work ?? FileManager.default.temporaryDirectory.appendingPathComponent("tripstream-verify-\(getpid())").path
        try? FileManager.default.removeItem(atPath: dir)
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if work == nil { try? FileManager.default.removeItem(atPath: dir) } }

        func replayArguments(_ name: String, file: String = input) -> [String] {
            ["replay", file, "--db", "\(dir)/\(name).sqlite", "--state", "\(dir)/\(name).state", "--order", order,
             "--sort-memory", String(sortMemory), "--tmp", dir, "--max-record-bytes", String(maxRecordBytes),
             "--quiet", "--log-level", "error"] + options.arguments
        }

        // Startup cost: a replay of the header alone: the file's bytes up to its first record, as they are
        // (the rest of the file need not be valid UTF-8, nor read: replay dead-letters what is not).
        let headerBytes = try CSVFileReader(path: input, chunkSize: 1 << 16, maxRecordBytes: maxRecordBytes).dataStart
        guard let file = FileHandle(forReadingAtPath: input) else { throw ValidationError("cannot read \(input)") }
        let header = try file.read(upToCount: Int(headerBytes)) ?? Data()
        try file.close()
        try header.write(to: URL(fileURLWithPath: "\(dir)/empty.csv"))
        var t0 = Date()
        try Child.run(replayArguments("empty", file: "\(dir)/empty.csv")).expectSuccess("replay of an empty file")
        let startup = Date().timeIntervalSince(t0)

        t0 = Date()
        try Child.run(replayArguments("clean")).expectSuccess("the clean replay")
        let cleanSeconds = Date().timeIntervalSince(t0)
        print(String(format: "clean replay: %.2f s (start-up %.3f s)", cleanSeconds, startup))

        // Kill moments: after start-up, spread so that kills fall across the whole replay, but never so close
        // together that a restart cannot get through an epoch before the next kill.
        let epochs = Double(max(1, Self.mirrorEpoch("\(dir)/clean.sqlite", tenant: config.tenant)))
        let work = max(0.001, cleanSeconds - startup)
        let spread = max(2 * work / Double(max(kills, 1)), 2.5 * work / epochs)
        var rng = SplitMix64(seed: seed)
        var killed = 0, finished = 0
        var lastFinished = false
        var epochsAtKills: [Int64] = []
        var window = spread
        var lastEpoch: Int64 = -1
        while killed < kills {
            // Most kills land after start-up, spread over the replay; one in five during start-up/restore.
            // When a restart made no progress before its kill, the window doubles (up to the clean run's
            // length), so slow stretches (the sort, a large final epoch) are crossed instead of hit forever.
            let delay = rng.chance(0.2) ? rng.unit() * startup : startup + rng.unit() * window
            let child = try Child.start(replayArguments("recovered"))
            if child.waitOrKill(after: delay) {
                killed += 1
                lastFinished = false
                let epoch = Self.mirrorEpoch("\(dir)/recovered.sqlite", tenant: config.tenant)
                epochsAtKills.append(epoch)
                window = epoch > lastEpoch ? spread : min(window * 2, cleanSeconds)
                lastEpoch = epoch
            } else {
                try child.expectSuccess("a recovery replay")
                finished += 1
                lastFinished = true
                window = spread
                lastEpoch = -1
            }
        }
        if !lastFinished { try Child.run(replayArguments("recovered")).expectSuccess("the final recovery replay") }
        print("recovery replay: \(killed) kills (SIGKILL), \(finished) runs finished before their kill, then completed")
        if !epochsAtKills.isEmpty {
            print("  mirror epoch when killed: \(epochsAtKills.map(String.init).joined(separator: " "))")
        }

        let verdicts = try MirrorComparison.compare(try SQLiteDatabase(path: "\(dir)/clean.sqlite", readOnly: true),
                                                    try SQLiteDatabase(path: "\(dir)/recovered.sqlite", readOnly: true),
                                                    tenant: config.tenant,
                                                    tables: MirrorSchema.allTables + config.userQueries.filter(\.enabled).map(\.name))
        var differences = 0
        for v in verdicts {
            let name = v.table.padding(toLength: 26, withPad: " ", startingAt: 0)
            if v.identical {
                print("  \(name) \(String(v.rows).padding(toLength: 8, withPad: " ", startingAt: 0)) rows  identical")
            } else {
                differences += v.onlyInFirst.count + v.onlyInSecond.count
                print("  \(name) DIFFERENT: \(v.onlyInFirst.count) rows only in the clean mirror, \(v.onlyInSecond.count) only in the recovered one")
                for row in (v.onlyInFirst.prefix(3).map { "    clean:     " + $0 } + v.onlyInSecond.prefix(3).map { "    recovered: " + $0 }) {
                    print(row)
                }
            }
        }
        print(differences == 0 ? "verdict: identical (0 differences)" : "verdict: \(differences) differences")
        if differences > 0 { throw ExitCode(1) }
    }
}

extension VerifyRecoveryCommand {
    /// The last epoch the mirror committed (0 when none): shows where each kill landed.
    static func mirrorEpoch(_ path: String, tenant: String) -> Int64 {
        guard FileManager.default.fileExists(atPath: path), let db = try? SQLiteDatabase(path: path, readOnly: true),
              let epoch = try? db.scalar("SELECT epoch FROM progress WHERE tenant = ?", [.text(tenant)])?.int64 else { return 0 }
        return epoch
    }
}

/// A child `tripstream` process (this same binary).
final class Child {
    let process = Process()

    static func start(_ arguments: [String]) throws -> Child {
        let c = Child()
        c.process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        c.process.arguments = arguments
        c.process.standardOutput = FileHandle.nullDevice
        try c.process.run()
        return c
    }

    static func run(_ arguments: [String]) throws -> Child {
        let c = try start(arguments)
        c.process.waitUntilExit()
        return c
    }

    /// Waits up to `seconds`; if still running then, SIGKILLs it and returns true.
    func waitOrKill(after seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { usleep(500) }
        guard process.isRunning else { return false }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return true
    }

    func expectSuccess(_ what: String) throws {
        process.waitUntilExit()
        guard process.terminationReason == .exit && process.terminationStatus == 0 else {
            throw ValidationError("\(what) failed (status \(process.terminationStatus))")
        }
    }
}
