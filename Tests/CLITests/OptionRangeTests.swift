import Foundation
import Testing
import TripTesting

/// Every numeric option of every command has a range, shown in `--help` and enforced when parsed: a value too
/// small, too large, negative or not a number is a usage error (64) naming the option, the value and the range.
@Suite struct OptionRangeTests {
    struct Case: CustomStringConvertible {
        /// The command and what it needs besides the option; chosen so that a value wrongly accepted fails fast
        /// (a missing file, a bad tenant or format) instead of starting real work.
        var command: [String]
        var option: String
        var tooSmall: String
        var tooLarge: String
        var range: String
        var description: String { "\(command.first!) \(option)" }
    }

    static let missing = "/nonexistent/in.csv"
    static let epochRows = "1 to 10000000"
    static let sortMemory = "1 to 65536 MiB"
    static let seed = "0 to 18446744073709551615"
    static let maxRecordBytes = "1 to 1073741824 bytes"
    static let cases: [Case] = {
        let replay = ["replay", missing], query = ["query", "trips_total", "--db", "/nonexistent/m.sqlite"]
        let generate = ["generate", "--start", "not-a-day"], produce = ["produce", missing, "--brokers", "127.0.0.1:1"]
        let run = ["run", "--brokers", "127.0.0.1:1", "--format", "bogus"]
        let topics = ["create-topics", "--brokers", "127.0.0.1:1", "--tenant", "bad tenant"]
        let broker = ["dev-broker", "--tenant", "bad tenant"], bench = ["bench", "--scenarios", "bogus"]
        let recovery = ["verify-recovery", missing]
        return [
            Case(command: replay, option: "--sort-memory", tooSmall: "0", tooLarge: "100000", range: sortMemory),
            Case(command: replay, option: "--checkpoint-every", tooSmall: "0", tooLarge: "1000001", range: "1 to 1000000"),
            Case(command: replay, option: "--checkpoint-interval", tooSmall: "0", tooLarge: "86400001", range: "1 to 86400000 ms"),
            Case(command: replay, option: "--epoch-rows", tooSmall: "0", tooLarge: "10000001", range: epochRows),
            Case(command: replay, option: "--max-record-bytes", tooSmall: "0", tooLarge: "1073741825", range: maxRecordBytes),
            Case(command: query, option: "--top", tooSmall: "0", tooLarge: "100001", range: "1 to 100000"),
            Case(command: query, option: "--limit", tooSmall: "-1", tooLarge: "1000000001", range: "0 to 1000000000"),
            Case(command: generate, option: "--rows", tooSmall: "-1", tooLarge: "1000000001", range: "0 to 1000000000"),
            Case(command: generate, option: "--seed", tooSmall: "-1", tooLarge: "18446744073709551616", range: seed),
            Case(command: generate, option: "--per-day", tooSmall: "0", tooLarge: "1000001", range: "1 to 1000000"),
            Case(command: generate, option: "--disorder", tooSmall: "-0.1", tooLarge: "1.5", range: "0.0 to 1.0"),
            Case(command: generate, option: "--max-lateness", tooSmall: "899", tooLarge: "31536001", range: "900 to 31536000 s"),
            Case(command: generate, option: "--bad", tooSmall: "-0.1", tooLarge: "nan", range: "0.0 to 1.0"),
            Case(command: produce, option: "--rate", tooSmall: "0", tooLarge: "inf", range: "0.01 to 10000000.0 rows/s"),
            Case(command: produce, option: "--speedup", tooSmall: "0", tooLarge: "1e10", range: "0.001 to 1000000000.0"),
            Case(command: produce, option: "--epoch-rows", tooSmall: "0", tooLarge: "10000001", range: epochRows),
            Case(command: run, option: "--max-epoch-delay", tooSmall: "0", tooLarge: "3600001", range: "1 to 3600000 ms"),
            Case(command: run, option: "--epoch-rows", tooSmall: "0", tooLarge: "10000001", range: epochRows),
            Case(command: topics, option: "--ingest-partitions", tooSmall: "0", tooLarge: "100001", range: "1 to 100000"),
            Case(command: topics, option: "--partitions", tooSmall: "0", tooLarge: "100001", range: "1 to 100000"),
            Case(command: topics, option: "--replication-factor", tooSmall: "0", tooLarge: "100001", range: "1 to 100000"),
            Case(command: topics, option: "--timeout", tooSmall: "0", tooLarge: "600001", range: "1 to 600000 ms"),
            Case(command: broker, option: "--brokers", tooSmall: "0", tooLarge: "17", range: "1 to 16"),
            Case(command: broker, option: "--partitions", tooSmall: "0", tooLarge: "1001", range: "1 to 1000"),
            Case(command: ["cassandra-schema"], option: "--replication", tooSmall: "0", tooLarge: "101", range: "1 to 100"),
            Case(command: bench, option: "--rows", tooSmall: "1000,0", tooLarge: "100000001", range: "1 to 100000000"),
            Case(command: bench, option: "--seed", tooSmall: "-1", tooLarge: "18446744073709551616", range: seed),
            Case(command: bench, option: "--sort-memory", tooSmall: "0", tooLarge: "65537", range: sortMemory),
            Case(command: bench, option: "--kafka-rate", tooSmall: "0", tooLarge: "10000001", range: "1.0 to 10000000.0 rows/s"),
            Case(command: bench, option: "--kafka-intervals", tooSmall: "20,0", tooLarge: "3600001", range: "1.0 to 3600000.0 ms"),
            Case(command: bench, option: "--epoch-rows", tooSmall: "0", tooLarge: "10000001", range: epochRows),
            Case(command: recovery, option: "--kills", tooSmall: "-1", tooLarge: "10001", range: "0 to 10000"),
            Case(command: recovery, option: "--seed", tooSmall: "-1", tooLarge: "18446744073709551616", range: seed),
            Case(command: recovery, option: "--sort-memory", tooSmall: "0", tooLarge: "65537", range: sortMemory),
            Case(command: recovery, option: "--epoch-rows", tooSmall: "0", tooLarge: "10000001", range: epochRows),
            Case(command: recovery, option: "--max-record-bytes", tooSmall: "0", tooLarge: "1073741825", range: maxRecordBytes),
            Case(command: ["config"], option: "--epoch-rows", tooSmall: "0", tooLarge: "10000001", range: epochRows),
        ]
    }()

    @Test(arguments: cases)
    func outOfRangeValuesAreUsageErrorsNamingTheRange(_ c: Case) throws {
        for value in [c.tooSmall, c.tooLarge, "-1", "12x"] {
            let r = try tripstream(c.command + [c.option, value])
            #expect(r.status == 64, "\(c) \(value): status \(r.status), \(r.stderr)")
            #expect(r.stderr.contains("'\(value)'") && r.stderr.contains(c.option) && r.stderr.contains(c.range),
                    "\(c) \(value): \(r.stderr)")
        }
        let help = try tripstream([c.command[0], "--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(help.contains("Range: \(c.range)"), "\(c): --help does not show the range")
    }

    /// The probe's crash: a sort memory larger than the machine aborted in the allocator; now a usage error.
    @Test func sortMemoryBeyondThisMachineIsAUsageError() throws {
        let gib = ProcessInfo.processInfo.physicalMemory >> 30
        guard gib < 60 else { return }  // the range's upper bound already covers this machine
        let r = try tripstream(["replay", repoRoot.appendingPathComponent("fixtures/trips-2k.csv").path,
                                "--db", "\(scratchDirectory("cli"))/m.sqlite", "--sort-memory", "65536", "--quiet"])
        #expect(r.status == 64, "\(r.stderr)")
        #expect(r.stderr.contains("--sort-memory 65536 MiB is more than this machine's memory"), "\(r.stderr)")
    }
}
