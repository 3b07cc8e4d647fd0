import ArgumentParser
import Foundation
import Logging
import TripCore
import TripParsing
import TripPipeline

/// Set by SIGINT/SIGTERM; the run loop stops between epochs (a signal handler may only store a flag).
nonisolated(unsafe) var stopRequested: sig_atomic_t = 0

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Consume the Kafka ingest topic: the four built-in queries and the configuration's SQL queries, the SQLite mirror and the result topics.",
        discussion: """
        Reads every partition of <tenant>_ingestData (or --topic): JSON objects as tripstream produce and the \
        original producer write them, or CSV lines with --format csv. Results go to the mirror and to the \
        result topics <tenant>_sumFareWindowStream, <tenant>_tripsTotalStream, \
        <tenant>_hotspotCommunityPickupWindowStream and <tenant>_hotspotWindowStream, keyed by their \
        deterministic result key (a re-sent result overwrites the same key with the same value); bad messages \
        go to the dead_letters table and <tenant>_deadLetters with topic, partition, offset and reason.

        Epochs are cut where the data says (each partition's share of --epoch-rows, up to an event time \
        common to all partitions) or, on a live topic, once the oldest waiting message has waited \
        --max-epoch-delay (default 1000 ms), so results come within about a second at any input rate. A cut \
        decided by time is logged in the state before its results go out, and a restart repeats it: the mirror \
        after a crash equals a run that made the same cuts. The partition offsets are checkpointed in LMDB \
        with the window state after each epoch's results are committed and delivered, and a restart continues \
        from them. --max-epoch-delay off cuts by count alone (epochs then depend only on the data, but wait \
        for every partition's share). SIGINT/SIGTERM stop cleanly between epochs. --stop-at-end treats \
        "every partition at its end" as the end of input (all windows final) and cuts by count unless \
        --max-epoch-delay is given.
        """)

    @OptionGroup var kafka: KafkaOptions

    @Option(name: .long, help: "Ingest topic (default <tenant>_ingestData).")
    var topic: String?

    @Option(name: .long, help: "Consumer group (committed offsets are informational; the checkpoint decides).")
    var group: String?

    @Option(name: .long, help: "json (default) or csv: the format of message values.")
    var format = "json"

    @Option(name: .long, help: "With --format csv: the CSV header line of the values (default: the portal's 23 columns).")
    var csvHeader: String?

    @Option(name: .long, help: "SQLite mirror.")
    var db = "tripstream.sqlite"

    @Option(name: .long, help: ArgumentHelp("Checkpoint state directory (default: <db>.<tenant>.state).", valueName: "dir"))
    var state: String?

    @Flag(name: .long, help: "Discard the checkpoint state and start from the beginning of the topic.")
    var reset = false

    @Flag(name: .long, help: "End when every partition is at its end: a final epoch makes every window final.")
    var stopAtEnd = false

    @Option(name: .long, parsing: .unconditional, help: Self.maxEpochDelayRange.help(
        "Also cut an epoch once its oldest message has waited this long: everything up to the event time that every "
        + "partition still delivering has reached (idle or caught-up partitions do not hold it back), so results "
        + "come within about this delay. Such a cut depends on arrival timing: it is logged in the state before the "
        + "epoch runs, and a restart repeats it. Default 1000, or off with --stop-at-end; 'off' cuts by count alone "
        + "(epochs depend on the data alone, and wait for every partition's share).", valueName: "ms|off"),
            transform: Self.parseEpochDelay)
    var maxEpochDelay: EpochDelay?

    static let maxEpochDelayRange = NumericRange(1...3_600_000, unit: "ms")

    @Flag(name: .long, help: "Keep results in the mirror only (no result or dead-letter topics).")
    var noResultTopics = false

    @Option(name: .long, help: "Log level.")
    var logLevel: Logger.Level = .info

    @OptionGroup var options: ConfigOptions

    @OptionGroup(title: "HTTP") var http: HTTPServeOptions

    func run() throws {
        let logger = bootstrapLogging(logLevel)
        guard ["json", "csv"].contains(format) else { throw ValidationError("--format must be json or csv") }
        var job = RunJob(kafka: try kafka.resolve(), config: try options.resolve(), database: db)
        job.topic = topic
        job.group = group
        job.stateDirectory = state ?? ReplayJob.defaultStateDirectory(forDatabase: db, tenant: job.config.tenant)
        job.reset = reset
        job.stopAtEnd = stopAtEnd
        job.maxEpochDelay = Self.epochDelay(maxEpochDelay, stopAtEnd: stopAtEnd)
        job.resultTopics = !noResultTopics
        if format == "csv" {
            let line = csvHeader ?? "Trip ID,Taxi ID,Trip Start Timestamp,Trip End Timestamp,Trip Seconds,Trip Miles,Pickup Census Tract,Dropoff Census Tract,Pickup Community Area,Dropoff Community Area,Fare,Tips,Tolls,Extras,Trip Total,Payment Type,Company,Pickup Centroid Latitude,Pickup Centroid Longitude,Pickup Centroid Location,Dropoff Centroid Latitude,Dropoff Centroid Longitude,Dropoff Centroid Location"
            job.csvHeader = CSVHeader(names: line.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
        }
        catchStopSignals()
        let topic = job.topic ?? TopicNames(tenant: job.config.tenant).ingest
        let served = try http.start(mode: "run", database: db, config: job.config, source: topic, logger: logger)
        job.telemetry = served?.telemetry
        defer { served?.server.stop() }
        let summary = try job.run(logger: logger) { stopRequested != 0 }
        served?.telemetry.stopped()
        print(SummaryText.render(summary, heading: "replayed \(topic) (kafka, tenant \(job.config.tenant)) into \(db)"))
    }

    /// A live topic gets results within about a second by default; a finite one (`--stop-at-end`) keeps the
    /// count cuts that depend on the data alone, unless a delay is asked for.
    static let defaultEpochDelayMilliseconds = 1000

    enum EpochDelay { case off, milliseconds(Int) }

    static func parseEpochDelay(_ argument: String) throws -> EpochDelay {
        if argument == "off" { return .off }
        do { return .milliseconds(try maxEpochDelayRange.parse(argument)) } catch {
            throw OutOfRange(expected: "a whole number from \(maxEpochDelayRange.text), or off")
        }
    }

    /// `--max-epoch-delay` in seconds, or nil for count cuts alone.
    static func epochDelay(_ delay: EpochDelay?, stopAtEnd: Bool) -> Double? {
        switch delay {
        case nil: stopAtEnd ? nil : Double(defaultEpochDelayMilliseconds) / 1000
        case .off: nil
        case .milliseconds(let ms): Double(ms) / 1000
        }
    }
}
