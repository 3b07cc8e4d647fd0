import ArgumentParser
import Foundation
import TripCore
import TripParsing
import TripPipeline
import TripSources

struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure replay speed: raw read, parse only, and full replay into SQLite (rows/s, MB/s, peak RSS, CPU).",
        discussion: """
        Generates --rows rows with a fixed seed (in a child process, so generation \
        does not count toward this process's memory) unless --input names a file, \
        then measures in this process:
          read    the file read into a buffer, no parsing: the limit
          parse   CSV bytes → trips (tokenizer + decoder), no queries
          engine  parse + the four queries and output modes, no mirror
          replay  the full pipeline: four queries, SQLite mirror, one transaction
                  per epoch; twice: without checkpoints, then with an LMDB
                  checkpoint after every epoch
        Peak RSS is this process's maximum resident memory over all phases.
        """)

    @Option(name: .long, help: "Rows to generate.")
    var rows = 1_000_000

    @Option(name: .long, help: "Generator seed.")
    var seed: UInt64 = 7

    @Option(name: .long, help: "Benchmark this CSV file instead of a generated one.")
    var input: String?

    @Option(name: .long, help: "Replay order: file or event-time.")
    var order = "file"

    @Option(name: .long, help: "Directory for the generated file, the mirror and sort runs.")
    var tmp = FileManager.default.temporaryDirectory.path

    @Flag(name: .long, help: "The Kafka scenario instead: produce and run on an in-process mock cluster (throughput, then latency at --kafka-rate).")
    var kafka = false

    @Option(name: .long, help: "Rows per second for the Kafka latency measurement.")
    var kafkaRate = 50_000.0

    @OptionGroup var options: ConfigOptions

    func run() throws {
        let logger = bootstrapLogging(.warning)
        let config = try options.resolve()
        guard let replayOrder = ReplayOrder(rawValue: order) else { throw ValidationError("--order must be file or event-time") }
        let file: String
        if let input {
            file = input
        } else {
            file = "\(tmp)/tripstream-bench-\(rows)-\(seed).csv"
            if !FileManager.default.fileExists(atPath: file) {
                let p = Process()
                p.executableURL = URL(fileURLWithPath: "/proc/self/exe")
                p.arguments = ["generate", "--rows", "\(rows)", "--seed", "\(seed)", "--per-day", "20000",
                               "--disorder", "0.02", "--bad", "0.001", "--output", file]
                try p.run()
                p.waitUntilExit()
                guard p.terminationStatus == 0 else { throw ValidationError("generating \(file) failed") }
            }
        }
        if kafka {
            try BenchKafka.run(file: file, config: config, rate: kafkaRate, tmp: tmp, logger: logger)
            return
        }
        let size = Double((try FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0)
        let mb = size / 1_048_576

        // read
        var t0 = Clock.monotonicSeconds()
        let fd = open(file, O_RDONLY)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
        var total = 0
        while true {
            let n = read(fd, buffer, 1 << 20)
            if n <= 0 { break }
            total += n
        }
        close(fd)
        buffer.deallocate()
        let readSeconds = Clock.monotonicSeconds() - t0

        // parse
        t0 = Clock.monotonicSeconds()
        let reader = try CSVFileReader(path: file)
        var decoder = try TripDecoder(header: reader.header, timeColumn: config.timeColumn, zone: config.timeZone)
        var locations = StringInterner()
        var parsed = 0
        var checksum: Int64 = 0
        while let rec = try reader.next() {
            parsed += 1
            if rec.malformed == nil, case .trip(let t) = decoder.decode(rec.bytes, fields: reader.fields, locations: &locations) {
                checksum &+= t.eventTime
            }
        }
        let parseSeconds = Clock.monotonicSeconds() - t0

        // engine: the whole pipeline without the mirror
        let engineSummary = try ReplayJob(input: file, order: replayOrder, database: nil, config: config,
                                          spillDirectory: tmp).run(logger: logger)

        // replay, without and with a checkpoint every epoch
        let db = "\(tmp)/tripstream-bench-\(getpid()).sqlite"
        let db2 = "\(tmp)/tripstream-bench-\(getpid())-checkpointed.sqlite"
        let state = db2 + ".state"
        defer {
            for suffix in ["", "-wal", "-shm"] { unlink(db + suffix); unlink(db2 + suffix) }
            try? FileManager.default.removeItem(atPath: state)
        }
        var cpu0 = Clock.cpuSeconds()
        let summary = try ReplayJob(input: file, order: replayOrder, database: db, config: config,
                                    spillDirectory: tmp).run(logger: logger)
        let cpu = Clock.cpuSeconds() - cpu0
        cpu0 = Clock.cpuSeconds()
        let checkpointed = try ReplayJob(input: file, order: replayOrder, database: db2, config: config,
                                         spillDirectory: tmp, stateDirectory: state).run(logger: logger)
        let checkpointedCPU = Clock.cpuSeconds() - cpu0

        func line(_ name: String, _ seconds: Double, _ rows: Int) -> String {
            let rate = rows > 0 ? String(format: "%12.0f rows/s", Double(rows) / seconds) : String(repeating: " ", count: 19)
            return name.padding(toLength: 8, withPad: " ", startingAt: 0)
                + String(format: "%9.3f s  ", seconds) + rate + String(format: "  %8.1f MB/s", mb / seconds)
        }
        print("file     \(file)  \(String(format: "%.1f", mb)) MiB, \(summary.counters.rowsRead) rows (checksum \(checksum & 0xFFFF))")
        print(line("read", readSeconds, 0))
        print(line("parse", parseSeconds, parsed) + String(format: "  (%.0f%% of read speed)", readSeconds / parseSeconds * 100))
        print(line("engine", engineSummary.seconds, Int(engineSummary.counters.rowsRead)) + "  (no mirror)")
        print(line("replay", summary.seconds, Int(summary.counters.rowsRead))
              + String(format: "  cpu %.3f s", cpu) + "  order \(replayOrder.rawValue), epochs \(summary.epochs), no checkpoints")
        print(line("replay", checkpointed.seconds, Int(checkpointed.counters.rowsRead))
              + String(format: "  cpu %.3f s", checkpointedCPU) + "  checkpoint every epoch: "
              + String(format: "%+.1f%% time", (checkpointed.seconds / summary.seconds - 1) * 100))
        print(String(format: "peak RSS %.1f MiB", Double(summary.peakRSSBytes) / 1_048_576))
    }
}
