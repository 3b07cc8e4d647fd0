import Metrics
import MetricsTestKit
import Testing
import TripCore
import TripEngine
import TripTelemetry

/// What the telemetry reports per committed epoch, read back from a test metrics backend that is bound to this
/// test alone (a task-local factory: tests in parallel do not share instruments, nor touch the global bootstrap).
@Suite struct PipelineTelemetryTests {
    let tenant = [("tenant", "t1")]

    func telemetry(_ metrics: TestMetrics, mode: String = "replay") -> PipelineTelemetry {
        withMetricsFactory(metrics) { PipelineTelemetry(tenant: "t1", mode: mode, source: "in.csv") }
    }

    func counters(read: Int64, processed: Int64, late: Int64) -> Counters {
        var c = Counters()
        c.rowsRead = read
        c.rowsProcessed = processed
        c.rowsLate = late
        return c
    }

    /// An epoch's output with `rows[q]` result rows for built-in `q` (none for the others) and the watermarks
    /// `watermarks[q]` (.min where none is given).
    func output(epoch: Int64, rows: [QueryName: Int] = [:], watermarks: [QueryName: EventTime] = [:]) -> EpochOutput {
        var out = EpochOutput(epoch: epoch)
        let row = QueryResultRow(windowStart: 0, windowEnd: 1000, values: [], final: true)
        out.queries = QueryName.allCases.map {
            QueryResults(name: $0.rawValue, rows: Array(repeating: row, count: rows[$0] ?? 0),
                         watermark: watermarks[$0] ?? .min)
        }
        return out
    }

    /// Counters are cumulative in the engine and restored from a checkpoint: each epoch adds only its delta to
    /// the Prometheus counters, which therefore count what this process did since it started.
    @Test func countersAfterEpochsEqualWhatThisProcessAdded() throws {
        let metrics = TestMetrics()
        let t = telemetry(metrics)
        t.start(from: counters(read: 100, processed: 90, late: 5))
        t.committed(output(epoch: 4, rows: [.tripsTotal: 2, .hotspotWindow: 3]),
                    counters: counters(read: 150, processed: 130, late: 6), deadLetters: 4, seconds: 0.25)
        t.committed(output(epoch: 5, rows: [.tripsTotal: 1, .hotspotWindow: 5]),
                    counters: counters(read: 210, processed: 185, late: 6), deadLetters: 2, seconds: 0.5)
        #expect(try metrics.expectCounter("tripstream_rows_read_total", tenant).totalValue == 110)
        #expect(try metrics.expectCounter("tripstream_rows_processed_total", tenant).totalValue == 95)
        #expect(try metrics.expectCounter("tripstream_rows_late_total", tenant).totalValue == 1)
        #expect(try metrics.expectCounter("tripstream_rows_dead_total", tenant).totalValue == 6)
        func emitted(_ q: QueryName) throws -> Int64 {
            try metrics.expectCounter("tripstream_windows_emitted_total", tenant + [("query", q.rawValue)]).totalValue
        }
        #expect(try emitted(.tripsTotal) == 3)
        #expect(try emitted(.hotspotWindow) == 8)
        #expect(try emitted(.sumFareWindow) == 0)
        #expect(try metrics.expectTimer("tripstream_epoch_duration_seconds", tenant).values == [250_000_000, 500_000_000])
        #expect(try metrics.expectGauge("tripstream_epoch", tenant).lastValue == 5)
    }

    /// The watermark gauge shows the slowest query in Unix seconds; a query with no row yet (.min) or at the end
    /// of input (.max) is no time to plot, and an epoch where every query is so records nothing.
    @Test func theWatermarkIsTheSlowestQueryIgnoringNoneAndEnd() throws {
        let metrics = TestMetrics()
        let t = telemetry(metrics)
        t.committed(output(epoch: 1, watermarks: [.sumFareWindow: 1_425_621_660_000, .tripsTotal: .max,
                                                  .hotspotCommunityWindow: 1_425_621_600_500, .hotspotWindow: .min]),
                    counters: Counters(), deadLetters: 0, seconds: 0)
        let watermark = try metrics.expectGauge("tripstream_watermark_timestamp_seconds", tenant)
        #expect(watermark.values == [1_425_621_600.5])
        t.committed(output(epoch: 2, watermarks: Dictionary(uniqueKeysWithValues: QueryName.allCases.map { ($0, .max) })),
                    counters: Counters(), deadLetters: 0, seconds: 0)
        #expect(watermark.values == [1_425_621_600.5])
    }

    /// Lag is a Kafka figure: `run` has the gauge and shows the lag in the live status; a replay has neither.
    @Test func onlyRunReportsConsumerLag() throws {
        let metrics = TestMetrics()
        let run = withMetricsFactory(metrics) { PipelineTelemetry(tenant: "t1", mode: "run", source: "kafka") }
        #expect(run.snapshot.lagMessages == nil)
        run.setLag(42)
        run.setLag(7)
        #expect(run.snapshot.lagMessages == 7)
        #expect(try metrics.expectGauge("tripstream_kafka_consumer_lag_messages", tenant).values == [42, 7])

        let other = TestMetrics()
        _ = telemetry(other, mode: "replay")
        #expect(other.recorders(label: "tripstream_kafka_consumer_lag_messages").isEmpty)
    }

    /// A checkpoint sets the live status's wall time (what /healthz turns into an age) and the gauge to the same
    /// instant; `stopped` ends `running`; the source stays as given.
    @Test func checkpointsAndStopShowInTheLiveStatus() throws {
        let metrics = TestMetrics()
        let t = telemetry(metrics)
        #expect(t.snapshot.lastCheckpointWallMs == nil && t.snapshot.running && t.snapshot.source == "in.csv")
        let before = Clock.wallMilliseconds()
        t.checkpointed(seconds: 0.004)
        let after = Clock.wallMilliseconds()
        let at = try #require(t.snapshot.lastCheckpointWallMs)
        #expect((before...after).contains(at))
        #expect(try metrics.expectGauge("tripstream_last_checkpoint_timestamp_seconds", tenant).lastValue == Double(at) / 1000)
        #expect(try metrics.expectTimer("tripstream_checkpoint_duration_seconds", tenant).values == [4_000_000])
        t.stopped()
        #expect(!t.snapshot.running && t.snapshot.source == "in.csv")
    }

    @Test func produceFailuresAndRefusedDeadLettersAreCountedOneByOne() throws {
        let metrics = TestMetrics()
        let t = telemetry(metrics)
        t.produceFailed()
        t.deadLetterRefused()
        t.deadLetterRefused()
        #expect(try metrics.expectCounter("tripstream_kafka_produce_errors_total", tenant).totalValue == 1)
        #expect(try metrics.expectCounter("tripstream_dead_letters_refused_total", tenant).totalValue == 2)
    }

    /// A SQL query's windows are counted in the same series, labelled with its name: the rows each epoch emitted.
    @Test func sqlQueriesHaveTheirOwnSeries() throws {
        let metrics = TestMetrics()
        let t = withMetricsFactory(metrics) {
            PipelineTelemetry(tenant: "t1", mode: "replay", source: "in.csv", sqlQueries: ["by_company", "per_day"])
        }
        func row() -> QueryResultRow { QueryResultRow(windowStart: 0, windowEnd: 1000, values: [], final: true) }
        for rows in [3, 0, 2] {
            var output = EpochOutput(epoch: 1)
            output.queries = [QueryResults(name: "by_company", rows: Array(repeating: row(), count: rows), watermark: 5),
                              QueryResults(name: "per_day", rows: [row()], watermark: .max)]
            t.committed(output, counters: Counters(), deadLetters: 0, seconds: 0)
        }
        func emitted(_ name: String) throws -> Int64 {
            try metrics.expectCounter("tripstream_windows_emitted_total", tenant + [("query", name)]).totalValue
        }
        #expect(try emitted("by_company") == 5)
        #expect(try emitted("per_day") == 3)
    }
}
