import Foundation
import Testing
import TripCore
import TripFixtures
import TripKafka
import TripCheckpoint
import TripPipeline
import TripTesting
import TripTools

/// `run`'s latency measurement (the bench's): one figure per consumed message from its production, and one from
/// its arrival in `run`.
@Suite struct LatencyMeasurementTests {
    @Test func everyMessageHasALatencyFromProductionAndFromArrival() throws {
        let dir = scratchDirectory()
        let file = try generate(rows: 600, seed: 5, badFraction: 0.02, in: dir)
        var config = TripstreamConfig.chicago
        config.tenant = "lat"
        config.epochRows = 100
        let cluster = try mockCluster(tenant: config.tenant, ingestPartitions: 2)
        let kafka = KafkaConfig(bootstrapServers: cluster.bootstrapServers)
        var producer = ProduceJob(input: file.path, kafka: kafka, config: config)
        producer.wallClockTimestamps = true
        let produced = try producer.run()
        #expect(produced.failed == 0 && produced.produced > 500)

        var job = RunJob(kafka: kafka, config: config, database: "\(dir)/m.sqlite")
        job.stopAtEnd = true
        job.measureLatency = true
        let summary = try job.run(logger: quietLogger)
        let latencies = job.latencies
        #expect(summary.counters.rowsRead == produced.produced)
        #expect(latencies.milliseconds.count == Int(produced.produced))
        #expect(latencies.sinceArrivalMilliseconds.count == latencies.milliseconds.count)
        #expect(latencies.newestPerEpochMilliseconds.count == Int(summary.epochs))
        // Everything was produced before `run` started, so each message arrived strictly after its production.
        for (fromProduction, fromArrival) in zip(latencies.milliseconds, latencies.sinceArrivalMilliseconds) {
            #expect(fromArrival >= 0 && fromArrival < fromProduction)
        }
    }
}

/// `run` when the broker refuses its results: it stops with the error (the checkpoint never passes an epoch whose
/// results were not delivered) instead of waiting for ever. Live (cut by delay, then idle), with the broker's
/// answers 200 ms late: the refusal comes while the writer waits for the epoch's deliveries.
@Suite struct ResultDeliveryFailureTests {
    @Test func aRefusedResultStopsRunWithTheError() throws {
        let dir = scratchDirectory()
        let file = try generate(rows: 300, seed: 6, in: dir)
        var config = TripstreamConfig.chicago
        config.tenant = "refused"
        config.epochRows = 1000
        let cluster = try mockCluster(tenant: config.tenant, ingestPartitions: 1)
        let kafka = KafkaConfig(bootstrapServers: cluster.bootstrapServers)
        #expect(try ProduceJob(input: file.path, kafka: kafka, config: config).run().failed == 0)
        // From now on every produce request is refused (not retriable): only `run`'s result producer sends.
        cluster.failProduceRequests(10_000, code: 29)  // TOPIC_AUTHORIZATION_FAILED
        try cluster.setRoundTripTime(broker: 1, ms: 200)  // the refusal comes while the writer waits
        var job = RunJob(kafka: kafka, config: config, database: "\(dir)/m.sqlite")
        job.stateDirectory = "\(dir)/state"
        job.maxEpochDelay = 0.05
        final class Outcome: @unchecked Sendable { var error: Error?; var finished = false }
        let outcome = Outcome(), done = DispatchSemaphore(value: 0)
        let start = Clock.monotonicSeconds()
        Thread { [job] in
            do { _ = try job.run(logger: quietLogger) { Clock.monotonicSeconds() - start > 6 } } catch { outcome.error = error }
            outcome.finished = true
            done.signal()
        }.start()
        guard done.wait(timeout: .now() + 30) == .success else {
            Issue.record("run still running 30 s after the refusal")
            return
        }
        let error = try #require(outcome.error as? KafkaError, "run ended without the delivery error: \(String(describing: outcome.error))")
        #expect(error.message.lowercased().contains("authoriz"), "\(error)")
        // Nothing was checkpointed past an undelivered epoch: a restart starts from the beginning.
        let store = try CheckpointStore(directory: "\(dir)/state", fingerprint: job.fingerprint, reset: false)
        #expect(try store.load() == nil)
    }
}
