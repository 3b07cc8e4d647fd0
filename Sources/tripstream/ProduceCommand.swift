import ArgumentParser
import Foundation
import TripCore
import TripPipeline
import TripTools

struct ProduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Send a Taxi Trips CSV to Kafka: one JSON object per row on the ingest topic, keyed by trip id.",
        discussion: """
        Replaces the original kafka_producer.py. Rows are parsed and checked as replay does: good rows go to \
        <tenant>_ingestData (or --topic) with the original snake_case field names plus event_timestamp (the \
        row's event time, ISO 8601 UTC; the original used the producer's wall clock); bad rows go to \
        <tenant>_deadLetters with their byte offset and reason. Without --rate or --speedup it sends as fast as \
        the broker takes (librdkafka batches for 5 ms); paced, each row stands for a live event and goes out \
        within about a millisecond (linger.ms=1; -X linger.ms=… overrides). Exits non-zero if any message was \
        not delivered.
        """)

    @Argument(help: "CSV file in the portal's format, or - for standard input.")
    var input: String

    @OptionGroup var kafka: KafkaOptions

    @Option(name: .long, help: "Ingest topic (default <tenant>_ingestData).")
    var topic: String?

    @Option(name: .long, parsing: .unconditional, help: Self.rateRange.help("Send at most this many rows per second."),
            transform: Self.rateRange.parse)
    var rate: Double?

    @Option(name: .long, parsing: .unconditional,
            help: Self.speedupRange.help("Replay event time this many times faster than real time."),
            transform: Self.speedupRange.parse)
    var speedup: Double?

    static let rateRange = NumericRange(0.01...10_000_000.0, unit: "rows/s")
    static let speedupRange = NumericRange(0.001...1_000_000_000.0)

    @Flag(name: .long, help: "No progress line.")
    var quiet = false

    @OptionGroup var options: ConfigOptions

    func run() throws {
        if rate != nil && speedup != nil { throw ValidationError("--rate and --speedup exclude each other") }
        var job = ProduceJob(input: input, kafka: try kafka.resolve(), config: try options.resolve())
        job.topic = topic
        if let rate { job.pacing = .rate(rate) }
        if let speedup { job.pacing = .speedup(speedup) }
        let tty = !quiet && isatty(2) != 0
        let s = try job.run { p in
            guard tty else { return }
            let line = String(format: "\rproduced %lld  delivered %lld  failed %lld  %.0f rows/s\u{1B}[K",
                              p.produced, p.delivered, p.failed, Double(p.produced) / max(p.seconds, 0.001))
            FileHandle.standardError.write(Data(line.utf8))
        }
        if tty { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        print("""
            produced \(input) to \(topic ?? TopicNames(tenant: job.config.tenant).ingest)
              rows read        \(s.rowsRead)
              produced         \(s.produced)
              delivered        \(s.delivered)  (ingest and dead-letter messages)
              failed           \(s.failed)\(s.firstFailure.map { "  (first: \($0.message))" } ?? "")
              dead-lettered    \(s.deadLettered)  (to \(TopicNames(tenant: job.config.tenant).deadLetters))
            """ + String(format: "\n  time             %.3f s  (%.0f rows/s)", s.seconds, Double(s.rowsRead) / max(s.seconds, 0.000001)))
        if s.failed > 0 { throw ExitCode(1) }
    }
}
