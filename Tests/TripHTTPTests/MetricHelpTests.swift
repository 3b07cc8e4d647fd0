import Metrics
import MetricsTestKit
import Testing
@testable import TripHTTP
import TripTelemetry

/// `# HELP` lines added to the Prometheus exposition for the pipeline's series.
@Suite struct MetricHelpTests {
    func adding(_ text: String) -> String { String(decoding: MetricHelp.adding(to: Array(text.utf8)), as: UTF8.self) }

    /// A known family gets its HELP right before its TYPE line, once; unknown families and families that already
    /// have a HELP line are left alone; every other line and the final line end stay as they were.
    @Test func helpGoesBeforeTheTypeOfKnownFamiliesOnly() {
        let exposition = """
            # TYPE tripstream_epoch gauge
            tripstream_epoch{tenant="a"} 3
            # HELP tripstream_rows_read_total Already said.
            # TYPE tripstream_rows_read_total counter
            tripstream_rows_read_total{tenant="a"} 10
            # TYPE other_total counter
            other_total 1

            """
        // One line added, at the top: before the one known family without a HELP line.
        #expect(adding(exposition) == "# HELP tripstream_epoch The last epoch committed.\n" + exposition)
        #expect(adding("") == "")
        #expect(adding("x 1") == "x 1")
        #expect(adding("# TYPE tripstream_epoch gauge") == "# HELP tripstream_epoch The last epoch committed.\n# TYPE tripstream_epoch gauge")
    }

    /// Cross-check with TripTelemetry: every series the pipeline's telemetry creates (a `run`'s, which has them
    /// all) has a help text, so no family on /metrics goes without one.
    @Test func everySeriesOfThePipelineHasAHelpText() {
        let metrics = TestMetrics()
        _ = withMetricsFactory(metrics) { PipelineTelemetry(tenant: "t", mode: "run", source: "kafka") }
        let labels = Set(metrics.counters.map(\.label) + metrics.recorders.map(\.label) + metrics.timers.map(\.label))
        #expect(labels.count >= 12)
        #expect(labels.subtracting(MetricHelp.texts.keys).isEmpty, "\(labels.subtracting(MetricHelp.texts.keys))")
        #expect(MetricHelp.texts.values.allSatisfy { !$0.isEmpty && !$0.contains("\n") })
    }
}
