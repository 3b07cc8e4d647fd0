import Foundation
import Logging
import TripCore
import TripTools

/// `tripstream bench`: for each size, a generated file with a fixed seed (made once, kept in `tmp`), then each
/// scenario in a child `tripstream bench --scenario …` of its own (so peak RSS is the scenario's); prints the
/// table, writes the JSON report and applies the regression guard.
public struct BenchSuite {
    public static let defaultRows = [1_000_000]
    /// Floors of the regression guard: far below the ratios this machine gives (docs/performance.md), so that
    /// only a gross regression fails, not a neighbour's load.
    static let guardFloors = (replayToParse: 0.05, parseToSplitter: 0.3)

    var rows: [Int]
    var seed: UInt64
    /// A CSV file of the user's, benchmarked instead of generated ones.
    var input: String?
    /// Comma-separated scenario names, or "all".
    var scenarios: String
    var kafkaOnly: Bool
    var guardRun: Bool
    var sortMemoryMiB: Int?
    var kafkaRate: Double
    var kafkaIntervalsMs: [Double]?
    var json: String?
    var tmp: String
    /// The configuration as command-line options, passed on to each scenario's child.
    var configArguments: [String]
    /// Brokers and partitions per topic of the live latency runs: `dev-broker`'s defaults, what a user trying
    /// the live setup gets.
    var liveLayout: (brokers: Int, partitions: Int)

    public init(rows: [Int], seed: UInt64, input: String?, scenarios: String, kafkaOnly: Bool, guardRun: Bool,
                sortMemoryMiB: Int?, kafkaRate: Double, kafkaIntervalsMs: [Double]?, json: String?, tmp: String,
                configArguments: [String], liveLayout: (brokers: Int, partitions: Int)) {
        self.rows = rows
        self.seed = seed
        self.input = input
        self.scenarios = scenarios
        self.kafkaOnly = kafkaOnly
        self.guardRun = guardRun
        self.sortMemoryMiB = sortMemoryMiB
        self.kafkaRate = kafkaRate
        self.kafkaIntervalsMs = kafkaIntervalsMs
        self.json = json
        self.tmp = tmp
        self.configArguments = configArguments
        self.liveLayout = liveLayout
    }

    /// The child's part: runs one scenario on `input` in this process and prints its result as one JSON line.
    public func runScenario(_ name: String, config: TripstreamConfig, logger: Logger) throws {
        guard let s = BenchScenario(rawValue: name), let input else { throw BenchError(usage: "bad --scenario") }
        let result = try s.run(file: input, config: config, sortMemoryMiB: sortMemoryMiB ?? 64, kafkaRate: kafkaRate,
                               kafkaIntervalsMs: intervals(config), liveLayout: liveLayout, tmp: tmp, logger: logger)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        FileHandle.standardOutput.write(try encoder.encode(result) + Data("\n".utf8))
    }

    /// Runs the chosen scenarios on each size, each in a child process, and reports them.
    public func run(config: TripstreamConfig) throws {
        do {
            try FileManager.default.createDirectory(atPath: tmp, withIntermediateDirectories: true)
        } catch {
            throw BenchError(usage: "cannot create --tmp \(tmp): \(error.localizedDescription)")
        }
        let chosen = try chosenScenarios()
        let sizes = guardRun && rows == Self.defaultRows ? [200_000] : rows
        var report: [[String: Any]] = []
        var all: [BenchResult] = []
        for size in input == nil ? sizes : [0] {
            let file = try input ?? generated(rows: size)
            let bytes = BenchScenario.fileSize(file)
            say("file \(file): \(String(format: "%.1f", Double(bytes) / 1_048_576)) MiB")
            for s in chosen {
                let sortMiB = sortMemoryMiB ?? max(1, min(64, Int(bytes >> 20) / 4))
                // The guard keeps the best of three runs: a neighbour's burst of load should not fail CI.
                var result = try runChild(s, file: file, sortMemoryMiB: sortMiB)
                for _ in 1..<(guardRun ? 3 : 1) {
                    let again = try runChild(s, file: file, sortMemoryMiB: sortMiB)
                    if again.rowsPerSecond > result.rowsPerSecond { result = again }
                }
                say(result.tableLine)
                all.append(result)
                var entry = (try JSONSerialization.jsonObject(with: JSONEncoder().encode(result))) as? [String: Any] ?? [:]
                entry["file"] = file
                report.append(entry)
            }
        }
        if let json {
            let document: [String: Any] = [
                "date": ISO8601DateFormatter().string(from: Date()), "seed": seed,
                "cores": ProcessInfo.processInfo.activeProcessorCount, "results": report,
            ]
            try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
                .write(to: URL(fileURLWithPath: json))
            say("wrote \(json)")
        }
        if guardRun { try checkGuard(all) }
    }

    func chosenScenarios() throws -> [BenchScenario] {
        if guardRun { return [.parse, .replay] }
        if kafkaOnly { return [.kafka] }
        if scenarios == "all" { return BenchScenario.allCases }
        return try scenarios.split(separator: ",").map {
            guard let s = BenchScenario(rawValue: String($0)) else {
                throw BenchError(usage: "unknown scenario \($0); expected " + BenchScenario.allCases.map(\.rawValue).joined(separator: ", "))
            }
            return s
        }
    }

    /// The Kafka latency runs' epoch intervals, ms.
    func intervals(_ config: TripstreamConfig) -> [Double] {
        kafkaIntervalsMs ?? [20, Double(config.epochRows) / kafkaRate * 1000]
    }

    /// A line on standard output at once (each scenario's line as it finishes, also when piped).
    func say(_ line: String) { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }

    /// The file of `rows` generated rows (made once by a child process, kept for later runs).
    func generated(rows: Int) throws -> String {
        let file = "\(tmp)/tripstream-bench-\(rows)-\(seed).csv"
        if FileManager.default.fileExists(atPath: file) { return file }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        p.arguments = ["generate", "--rows", "\(rows)", "--seed", "\(seed)", "--per-day", "20000",
                       "--disorder", "0.02", "--bad", "0.001", "--output", file + ".part"]
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw BenchError(usage: "generating \(file) failed") }
        try FileManager.default.moveItem(atPath: file + ".part", toPath: file)
        return file
    }

    /// Runs one scenario in a child `tripstream bench --scenario …` and reads its JSON line.
    func runChild(_ s: BenchScenario, file: String, sortMemoryMiB: Int) throws -> BenchResult {
        let arguments = ["bench", "--scenario", s.rawValue, "--input", file, "--sort-memory", "\(sortMemoryMiB)",
                         "--kafka-rate", "\(kafkaRate)", "--tmp", tmp] + (kafkaIntervalsMs.map { ["--kafka-intervals", $0.map { "\($0)" }.joined(separator: ",")] } ?? [])
            + configArguments
        let (status, data) = try ChildProcess.run("/proc/self/exe", arguments, inheritStandardError: true)
        guard status == 0, let line = data.split(separator: 0x0A).last else {
            throw BenchError("scenario \(s.rawValue) failed (exit \(status))")
        }
        return try JSONDecoder().decode(BenchResult.self, from: Data(line))
    }

    /// Fails on a gross regression of ratios measured in this run (machines here are too noisy for absolute times).
    func checkGuard(_ results: [BenchResult]) throws {
        guard let parse = results.first(where: { $0.scenario == "parse" }),
              let replay = results.first(where: { $0.scenario == "replay" }),
              let splitterMBs = parse.figures["splitter_mb_per_second"] else { throw BenchError("guard: missing results") }
        let replayToParse = replay.rowsPerSecond / parse.rowsPerSecond
        let parseToSplitter = parse.megabytesPerSecond / splitterMBs
        say(String(format: "guard: replay/parse rows/s %.3f (floor %.2f), parse/splitter MB/s %.3f (floor %.2f)",
                     replayToParse, Self.guardFloors.replayToParse, parseToSplitter, Self.guardFloors.parseToSplitter))
        if replayToParse < Self.guardFloors.replayToParse || parseToSplitter < Self.guardFloors.parseToSplitter {
            throw BenchError("performance regression: a ratio fell below its floor")
        }
        say("guard: ok")
    }
}

/// A bench failure. `isUsage`: the command's input is at fault (the CLI shows it with the usage, as for a bad
/// option), not a measurement.
public struct BenchError: Error, CustomStringConvertible {
    public let description: String
    public let isUsage: Bool
    init(_ description: String) {
        self.description = description
        isUsage = false
    }
    init(usage description: String) {
        self.description = description
        isUsage = true
    }
}
