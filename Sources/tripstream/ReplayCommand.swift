import ArgumentParser
import Foundation
import TripCore
import Logging
import TripPipeline
import TripSources

struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Replay a Taxi Trips CSV file through the four built-in queries and the configuration's SQL queries into the SQLite mirror.",
        discussion: """
        The portal export is sorted by Trip ID, not by time, so rows arrive years \
        out of order. Two orders:
          event-time  the default for files: sort by event time first (external
                      sort in bounded memory, spilling to disk), as the live feed
                      would deliver them; useful results on the real export
          file        as stored, the default for stdin: rows behind the
                      watermark are late and go to dead_letters ('late')

        Bad rows never stop the replay: each goes to the dead_letters table with \
        its byte offset and reason. At the end of the input every window becomes \
        final, so the mirror is complete.

        Crash safety: after each epoch's results are committed to SQLite, the engine \
        state and source position are checkpointed in LMDB (--state, default beside \
        the mirror, one per tenant). Run the same command again after a crash (even kill -9) and it \
        resumes from the last checkpoint; the mirror ends exactly as an uninterrupted \
        run would leave it. A changed configuration refuses an old state: use --reset.
        """)

    @Argument(help: ArgumentHelp("CSV file in the data portal's format, or - for standard input.", valueName: "file"))
    var input: String

    @Option(name: .long, help: ArgumentHelp("file or event-time (default: event-time for a file, file for stdin).", valueName: "order"))
    var order: String?

    @Option(name: .long, help: "SQLite mirror to write (created if missing).")
    var db = "tripstream.sqlite"

    @Option(name: .long, parsing: .unconditional,
            help: OptionRanges.sortMemory.help("Memory for the event-time sort before it spills runs to disk, in MiB.", default: 64),
            transform: OptionRanges.sortMemory.parse)
    var sortMemory = 64

    @Option(name: .long, help: "Directory for the sort's spill files.")
    var tmp = FileManager.default.temporaryDirectory.path

    @Option(name: .long, parsing: .unconditional,
            help: OptionRanges.maxRecordBytes.help("A longer CSV record is a dead letter (its first 1 KiB kept as raw).",
                                                    default: CSVFileReader.defaultMaxRecordBytes, valueName: "bytes"),
            transform: OptionRanges.maxRecordBytes.parse)
    var maxRecordBytes = CSVFileReader.defaultMaxRecordBytes

    @Flag(name: .long, help: "Keep this tenant's existing rows in the mirror (default: replace them).")
    var keep = false

    @Option(name: .long, help: ArgumentHelp("Checkpoint state directory (LMDB). Default: <db>.<tenant>.state", valueName: "dir"))
    var state: String?

    @Flag(name: .long, help: "Discard the checkpoint state and replay from the beginning.")
    var reset = false

    @Flag(name: .long, help: "No checkpoints: a crash means replaying from the beginning.")
    var noCheckpoint = false

    @Option(name: .long, parsing: .unconditional,
            help: Self.checkpointEveryRange.help("Checkpoint every N epochs (always after the last).", default: 1),
            transform: Self.checkpointEveryRange.parse)
    var checkpointEvery = 1

    @Option(name: .long, parsing: .unconditional,
            help: Self.checkpointIntervalRange.help("Also checkpoint when this many milliseconds passed since the last one.", valueName: "ms"),
            transform: Self.checkpointIntervalRange.parse)
    var checkpointInterval: Int?

    static let checkpointEveryRange = NumericRange(1...1_000_000)
    static let checkpointIntervalRange = NumericRange(1...86_400_000, unit: "ms")

    @Flag(name: .long, help: "No progress bar.")
    var quiet = false

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @OptionGroup var options: ConfigOptions

    @OptionGroup(title: "HTTP") var http: HTTPServeOptions

    @Flag(name: .long, help: "With --http: keep serving after the replay ends, until SIGINT/SIGTERM.")
    var keepServing = false

    func run() throws {
        let logger = bootstrapLogging(logLevel)
        let config = try options.resolve()
        if keepServing && http.http == nil { throw ValidationError("--keep-serving needs --http") }
        let replayOrder: ReplayOrder
        if let order {
            guard let o = ReplayOrder(rawValue: order) else {
                throw ValidationError("--order must be file or event-time, got \(order)")
            }
            replayOrder = o
        } else {
            replayOrder = input == "-" ? .file : .eventTime
        }
        try OptionRanges.checkSortMemoryFits(sortMemory)
        var job = ReplayJob(input: input, order: replayOrder, database: db, config: config,
                            sortMemoryBytes: sortMemory << 20, spillDirectory: tmp, keepExisting: keep,
                            stateDirectory: noCheckpoint ? nil : (state ?? ReplayJob.defaultStateDirectory(forDatabase: db, tenant: config.tenant)))
        job.reset = reset
        job.maxRecordBytes = maxRecordBytes
        job.checkpointEveryEpochs = checkpointEvery
        job.checkpointEveryMilliseconds = checkpointInterval
        let served = try http.start(mode: "replay", database: db, config: config, source: input, logger: logger)
        job.telemetry = served?.telemetry
        let bar = ProgressBar(enabled: !quiet && isatty(2) != 0)
        let summary = try job.run(logger: logger, onProgress: bar.update)
        bar.finish()
        served?.telemetry.stopped()
        // Unbuffered, so the summary shows before a --keep-serving wait.
        FileHandle.standardOutput.write(Data((SummaryText.render(summary, heading: "replayed \(job.input) (order "
            + "\(job.order.rawValue), tenant \(job.config.tenant)) into \(db)") + "\n").utf8))
        if let server = served?.server {
            if keepServing {
                catchStopSignals()  // before the message: a stop right after it must be clean
                FileHandle.standardOutput.write(Data("replay finished; still serving \(server.url) until SIGINT/SIGTERM\n".utf8))
                waitForStopSignal()
            }
            server.stop()
        }
    }
}

/// The final report of a replay.
enum SummaryText {
    static func render(_ s: ReplaySummary, heading: String) -> String {
        let c = s.counters
        var lines = [
            heading + (s.resumedAfterEpoch.map { ", resumed after epoch \($0)" } ?? ""),
            "  rows read        \(c.rowsRead)",
            "  processed        \(c.rowsProcessed)",
            "  rejected         \(c.rowsRejected)  (malformed or without a usable event time)",
            "  late             \(c.rowsLate)  (behind the watermark of at least one query)",
            "  dead letters     \(s.deadLetters)  (one per rejected row, one per query a row was late for)",
        ]
        if s.deadLettersRefused > 0 {
            lines.append("  refused by Kafka \(s.deadLettersRefused)  (dead letters too large for their topic; in the mirror only)")
        }
        for q in s.queries {
            lines.append("  \(q.name.padding(toLength: 26, withPad: " ", startingAt: 0)) \(q.emitted) rows emitted, \(q.late) late")
        }
        lines.append("  epochs           \(s.epochs)")
        lines.append(String(format: "  time             %.3f s  (%.0f rows/s)", s.seconds, s.rowsPerSecond))
        lines.append(String(format: "  peak RSS         %.1f MiB", Double(s.peakRSSBytes) / 1_048_576))
        if let first = s.secondsToFirstRow {
            lines.append(String(format: "  first row        %.3f s after process start", first))
        }
        return lines.joined(separator: "\n")
    }
}

/// A one-line progress bar on standard error (only on a terminal).
final class ProgressBar {
    let enabled: Bool
    var shown = false

    init(enabled: Bool) { self.enabled = enabled }

    func update(_ p: ReplayProgress) {
        guard enabled else { return }
        var line = "\(p.phase) \(p.rowsRead) rows"
        if p.seconds > 0 && p.rowsRead > 0 { line += String(format: "  %.0f rows/s", Double(p.rowsRead) / p.seconds) }
        if let total = p.total, total > 0 {
            let fraction = min(1, Double(p.done) / Double(total))
            let width = 24
            let filled = Int(fraction * Double(width))
            line += "  [" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
            line += String(format: " %3.0f%%", fraction * 100)
            if fraction > 0.01 && fraction < 1 {
                line += String(format: "  ETA %.0fs", p.seconds / fraction - p.seconds)
            }
        }
        FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8))
        shown = true
    }

    func finish() {
        if shown { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
