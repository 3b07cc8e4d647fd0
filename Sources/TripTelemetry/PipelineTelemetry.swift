import Metrics
import Synchronization
import TripCore
import TripEngine

/// What a running pipeline shows about itself: swift-metrics instruments (exported by the HTTP server's
/// `/metrics` when a Prometheus backend is bootstrapped, free no-ops otherwise) and a small live status for
/// `/healthz`. Updated once per committed epoch by the mirror writer, never per row, so it costs nothing
/// on the hot path. Counters count what this process did (a restart starts them at zero, as Prometheus
/// expects of a counter).
public final class PipelineTelemetry: Sendable {
    /// The live part of the status: what the mirror's tables do not hold.
    public struct Live: Sendable {
        public var source: String
        /// Wall-clock ms of the last LMDB checkpoint commit, nil before the first.
        public var lastCheckpointWallMs: Int64?
        /// Kafka: messages in the ingest topic not yet processed (sum over partitions), nil otherwise.
        public var lagMessages: Int64?
        public var running = true
    }

    private let live: Mutex<Live>
    /// Counters as of the last reported epoch: the baseline for the next deltas.
    private let reported: Mutex<Counters>

    private let rowsRead: Counter
    private let rowsProcessed: Counter
    private let rowsLate: Counter
    private let rowsDead: Counter
    /// Per query (the built-ins and the SQL queries), by its name.
    private let windowsEmitted: [String: Counter]
    private let epochDuration: Metrics.Timer
    private let checkpointDuration: Metrics.Timer
    private let produceErrors: Counter
    private let deadLettersRefused: Counter
    /// Only for a Kafka source: a replay has no lag to report.
    private let lag: Gauge?
    private let epochGauge: Gauge
    private let watermark: Gauge
    private let lastCheckpoint: Gauge

    /// `sqlQueries`: the names of the enabled SQL queries, each with its own series.
    public init(tenant: String, mode: String, source: String, sqlQueries: [String] = []) {
        live = Mutex(Live(source: source))
        reported = Mutex(Counters())
        let t = [("tenant", tenant)]
        rowsRead = Counter(label: "tripstream_rows_read_total", dimensions: t)
        rowsProcessed = Counter(label: "tripstream_rows_processed_total", dimensions: t)
        rowsLate = Counter(label: "tripstream_rows_late_total", dimensions: t)
        rowsDead = Counter(label: "tripstream_rows_dead_total", dimensions: t)
        windowsEmitted = Dictionary((QueryName.allCases.map(\.rawValue) + sqlQueries).map { name in
            (name, Counter(label: "tripstream_windows_emitted_total", dimensions: t + [("query", name)]))
        }, uniquingKeysWith: { first, _ in first })
        epochDuration = Metrics.Timer(label: "tripstream_epoch_duration_seconds", dimensions: t)
        checkpointDuration = Metrics.Timer(label: "tripstream_checkpoint_duration_seconds", dimensions: t)
        produceErrors = Counter(label: "tripstream_kafka_produce_errors_total", dimensions: t)
        deadLettersRefused = Counter(label: "tripstream_dead_letters_refused_total", dimensions: t)
        lag = mode == "run" ? Gauge(label: "tripstream_kafka_consumer_lag_messages", dimensions: t) : nil
        epochGauge = Gauge(label: "tripstream_epoch", dimensions: t)
        watermark = Gauge(label: "tripstream_watermark_timestamp_seconds", dimensions: t)
        lastCheckpoint = Gauge(label: "tripstream_last_checkpoint_timestamp_seconds", dimensions: t)
    }

    public var snapshot: Live { live.withLock { $0 } }

    /// Counters restored from a checkpoint: later epochs report only what this process adds.
    package func start(from counters: Counters) { reported.withLock { $0 = counters } }

    /// One epoch's results are committed to the mirror and handed to Kafka: `seconds` from its cut until then.
    package func committed(_ output: EpochOutput, counters: Counters, deadLetters: Int, seconds: Double) {
        let before = reported.withLock { old in
            defer { old = counters }
            return old
        }
        rowsRead.increment(by: counters.rowsRead - before.rowsRead)
        rowsProcessed.increment(by: counters.rowsProcessed - before.rowsProcessed)
        rowsLate.increment(by: counters.rowsLate - before.rowsLate)
        rowsDead.increment(by: Int64(deadLetters))
        for r in output.queries { windowsEmitted[r.name]?.increment(by: Int64(r.rows.count)) }
        epochDuration.recordNanoseconds(Int64(seconds * 1e9))
        epochGauge.record(output.epoch)
        // .min: no row yet; .max: end of input (every window closed) — neither is a time to plot.
        let marks = output.queries.map(\.watermark).filter { $0 != .min && $0 != .max }
        if let slowest = marks.min() { watermark.record(Double(slowest) / 1000) }
    }

    /// An LMDB checkpoint was written in `seconds`.
    package func checkpointed(seconds: Double) {
        checkpointDuration.recordNanoseconds(Int64(seconds * 1e9))
        let now = Clock.wallMilliseconds()
        lastCheckpoint.record(Double(now) / 1000)
        live.withLock { $0.lastCheckpointWallMs = now }
    }

    package func produceFailed() { produceErrors.increment() }

    /// Kafka refused a dead letter (too large for its topic); the mirror has it.
    package func deadLetterRefused() { deadLettersRefused.increment() }

    package func setLag(_ messages: Int64) {
        lag?.record(messages)
        live.withLock { $0.lagMessages = messages }
    }

    public func stopped() { live.withLock { $0.running = false } }
}
