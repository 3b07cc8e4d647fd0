import ArgumentParser
import Foundation
import TripBench

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmark suite: rows/s, MB/s, peak RSS and CPU time per scenario, against the performance targets.",
        discussion: """
        For each size in --rows, generates a file with a fixed seed (once, kept in --tmp) and runs each scenario \
        in a process of its own (so peak RSS is the scenario's):
          parse       raw read of the file (the limit), a byte-at-a-time record splitter (the guard's
                      yardstick), then CSV → trips; target ≥ 50 % of read speed
          replay      file order, the queries (four built-ins + --config's SQL), SQLite mirror, LMDB checkpoint every epoch;
                      targets ≥ 1 M rows/s, peak RSS ≤ 64 MiB
          event-time  the same in event-time order with the external sort in --sort-memory MiB
                      (default: a quarter of the file, at most 64); target ≥ 300 k rows/s
          kafka       produce, then run → result topics on an in-process mock cluster, then latency
                      at --kafka-rate for each of --kafka-intervals; targets ≥ 200 k rows/s,
                      p99 ≤ epoch interval + 10 ms
          restart     start-up to the first row, fresh and restoring a state checkpointed after 90 %
                      of the epochs; targets ≤ 50 ms and ≤ 1 s
        Prints a table; --json FILE writes every figure. --guard compares ratios measured in the same run \
        (replay ÷ parse rows/s, parse ÷ splitter MB/s; best of three runs each) with floors far below today's values and fails only on a \
        gross regression (CI runs it).
        """)

    @Option(name: .long, parsing: .unconditional,
            help: Self.rowsRange.help("Rows to generate, one or more sizes (e.g. 100000,1000000; default 1000000).", valueName: "n[,n…]", list: true),
            transform: Self.rowsRange.parseList)
    var rows = BenchSuite.defaultRows

    @Option(name: .long, parsing: .unconditional, help: OptionRanges.seed.help("Generator seed.", default: 7),
            transform: OptionRanges.seed.parse)
    var seed: UInt64 = 7

    @Option(name: .long, help: "Benchmark this CSV file instead of generated ones.")
    var input: String?

    @Option(name: .long, help: ArgumentHelp("Scenarios to run (default all but kafka; \"all\" for every one).", valueName: "a,b"))
    var scenarios = "parse,replay,event-time,restart"

    @Option(name: .long, parsing: .unconditional,
            help: OptionRanges.sortMemory.help("Sort memory for event-time, MiB (default: a quarter of the file, at most 64)."),
            transform: OptionRanges.sortMemory.parse)
    var sortMemory: Int?

    @Option(name: .long, parsing: .unconditional,
            help: Self.kafkaRateRange.help("Rows per second for the Kafka latency measurement.", default: 50_000.0),
            transform: Self.kafkaRateRange.parse)
    var kafkaRate = 50_000.0

    @Option(name: .long, parsing: .unconditional, help: Self.intervalRange.help(
        "Epoch intervals of the Kafka latency runs, ms, one live run each (--max-epoch-delay; default: 20 and "
        + "the time --epoch-rows take at --kafka-rate, 200 by default).", valueName: "ms[,ms…]", list: true),
            transform: Self.intervalRange.parseList)
    var kafkaIntervals: [Double]?

    static let rowsRange = NumericRange(1...100_000_000)
    static let kafkaRateRange = NumericRange(1.0...10_000_000.0, unit: "rows/s")
    static let intervalRange = NumericRange(1.0...3_600_000.0, unit: "ms")

    @Option(name: .long, help: "Write the results as JSON to this file.")
    var json: String?

    @Flag(name: .customLong("guard"), help: "Regression guard: parse and replay of --rows (default 200000); exit 1 on a gross regression.")
    var guardRun = false

    @Option(name: .long, help: "Directory for generated files, mirrors and sort runs (created if missing).")
    var tmp = FileManager.default.temporaryDirectory.path

    @Flag(name: .long, help: "The Kafka scenario only (same as --scenarios kafka).")
    var kafka = false

    /// Internal: run one scenario in this process and print its result as one JSON line.
    @Option(name: .long, help: .hidden)
    var scenario: String?

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let logger = bootstrapLogging(.warning)
        let config = try options.resolve()
        let suite = BenchSuite(rows: rows, seed: seed, input: input, scenarios: scenarios, kafkaOnly: kafka, guardRun: guardRun,
                               sortMemoryMiB: sortMemory, kafkaRate: kafkaRate, kafkaIntervalsMs: kafkaIntervals, json: json,
                               tmp: tmp, configArguments: options.arguments,
                               liveLayout: (DevBrokerCommand.defaultBrokers, DevBrokerCommand.defaultPartitions))
        do {
            if let scenario {
                try suite.runScenario(scenario, config: config, logger: logger)
            } else {
                try suite.run(config: config)
            }
        } catch let error as BenchError where error.isUsage {
            throw ValidationError(error.description)
        }
    }
}
