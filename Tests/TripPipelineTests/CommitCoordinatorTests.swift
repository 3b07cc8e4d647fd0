import Foundation
import Synchronization
import Testing
import TripCheckpoint
import TripCore
import TripEngine
import TripSinks
@testable import TripPipeline

/// The coordinator with in-memory sinks that fail on demand: whatever step fails, for whichever epoch, the
/// checkpoint never gets ahead of what every sink holds, nothing is checkpointed after the failure, and the
/// producer gets the failure. (The real sinks are covered end to end by the recovery and Kafka tests.)
@Suite struct CommitCoordinatorTests {
    struct Injected: Error, Equatable { var step: Step }

    enum Step: Equatable, CustomStringConvertible {
        case write(sink: Int, epoch: Int64)
        case delivery(epoch: Int64)
        case checkpoint(epoch: Int64)
        case logCut(epoch: Int64)
        var description: String {
            switch self {
            case .write(let s, let e): "sink \(s) writes epoch \(e)"
            case .delivery(let e): "delivery of epoch \(e)"
            case .checkpoint(let e): "checkpoint of epoch \(e)"
            case .logCut(let e): "cut of epoch \(e) logged"
            }
        }
    }

    /// What the fakes did, in order, from every thread.
    final class Events: Sendable {
        let list = Mutex<[String]>([])
        func add(_ e: String) { list.withLock { $0.append(e) } }
        var all: [String] { list.withLock { $0 } }
    }

    /// A sink holding epochs in memory. One that delivers later reports each epoch a moment after its write, from
    /// another thread, as librdkafka's report thread does.
    final class FakeSink: EpochSink, @unchecked Sendable {
        let index: Int
        let deliversLater: Bool
        let events: Events
        let failAt: Step?
        let delivered = Mutex<(through: Int64, at: Double)>((0, 0))
        let lock = NSLock()
        var report: (() -> Void)?
        var onDeliveryReported: (() -> Void)? {
            get { lock.withLock { report } }
            set { lock.withLock { report = newValue } }
        }

        init(index: Int, deliversLater: Bool, events: Events, failAt: Step?) {
            self.index = index
            self.deliversLater = deliversLater
            self.events = events
            self.failAt = failAt
        }

        func write(_ epoch: EpochCommit) throws {
            if failAt == .write(sink: index, epoch: epoch.epoch) { throw Injected(step: failAt!) }
            events.add("sink \(index) holds \(epoch.epoch)")
            guard deliversLater else { return }
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int.random(in: 0...3))) { [self] in
                // Logged before it is visible: the coordinator may checkpoint as soon as it sees the delivery.
                events.add("sink \(index) delivered \(epoch.epoch)")
                delivered.withLock { $0 = (max($0.through, epoch.epoch), Clock.monotonicSeconds()) }
                onDeliveryReported?()
            }
        }

        func deliveredAt(through epoch: Int64) throws -> Double? {
            if case .delivery(let e) = failAt, e <= epoch { throw Injected(step: failAt!) }
            let d = delivered.withLock { $0 }
            return d.through >= epoch ? d.at : nil
        }

        func waitDelivered(through epoch: Int64) throws -> Double {
            while true {
                if let at = try deliveredAt(through: epoch) { return at }
                usleep(500)
            }
        }
    }

    final class FakeCheckpoints: CheckpointLog, @unchecked Sendable {
        let events: Events
        let failAt: Step?
        init(events: Events, failAt: Step?) {
            self.events = events
            self.failAt = failAt
        }
        func logCut(epoch: Int64, endOffsets: [Int64]) throws {
            if failAt == .logCut(epoch: epoch) { throw Injected(step: failAt!) }
            events.add("cut \(epoch)")
        }
        func save(_ checkpoint: Checkpoint, beforeCommit: () -> Void) throws {
            if failAt == .checkpoint(epoch: checkpoint.epoch) { throw Injected(step: failAt!) }
            events.add("checkpoint \(checkpoint.epoch)")
        }
    }

    static let epochs: Int64 = 5

    func commit(_ epoch: Int64) -> EpochCommit {
        EpochCommit(output: EpochOutput(epoch: epoch), deadLetters: [],
                    progress: EpochProgress(source: "test", position: epoch, orderMode: "file"), counters: Counters(),
                    checkpoint: Checkpoint(epoch: epoch, position: .file(InputFile(path: "test", size: 0), nextRecordOffset: epoch),
                                           engineState: [], finished: epoch == Self.epochs))
    }

    /// Runs five epochs (every other one after a logged cut) through a Kafka-like and a SQLite-like sink; returns
    /// the events and the error the producer saw.
    func run(failAt: Step?) -> (events: [String], error: Error?) {
        let events = Events()
        let sinks = [FakeSink(index: 0, deliversLater: true, events: events, failAt: failAt),
                     FakeSink(index: 1, deliversLater: false, events: events, failAt: failAt)]
        let coordinator = CommitCoordinator(sinks: sinks, checkpoints: FakeCheckpoints(events: events, failAt: failAt),
                                            depth: 2, maxWritten: 2)
        do {
            for e in 1...Self.epochs {
                if e % 2 == 0 { try coordinator.logCut(epoch: e, endOffsets: [e]) }
                try coordinator.submit(commit(e))
            }
            try coordinator.finish()
            return (events.all, nil)
        } catch {
            // The writer may still be between its failure and its stop: wait for it, as a caller's defer would.
            _ = try? coordinator.finish()
            return (events.all, error)
        }
    }

    /// Sinks get the epochs in order, each cut is logged before its epoch is written, and every checkpoint comes
    /// in order after each sink holds its epoch durably (delivered, for the sink that delivers later).
    func checkOrder(_ events: [String], _ context: String) {
        var held = [Int64](repeating: 0, count: 2), delivered: Int64 = 0, cut: Int64 = 0, checkpointed: Int64 = 0
        for e in events {
            let words = e.split(separator: " ")
            let n = Int64(words.last!)!
            switch (words[0], words.count) {
            case ("sink", _) where words[2] == "holds":
                let s = Int(words[1])!
                #expect(n == held[s] + 1, "\(context): sink \(s) got epoch \(n) after \(held[s])")
                if n % 2 == 0 { #expect(cut >= n, "\(context): epoch \(n) written before its cut was logged") }
                held[s] = n
            case ("sink", _):
                delivered = max(delivered, n)
            case ("cut", _):
                cut = n
            default:
                #expect(n == checkpointed + 1, "\(context): checkpoint \(n) after \(checkpointed)")
                #expect(held.allSatisfy { $0 >= n } && delivered >= n,
                        "\(context): checkpoint \(n) ahead of the sinks (held \(held), delivered \(delivered))")
                checkpointed = n
            }
        }
    }

    @Test func everyEpochIsCheckpointedInOrderAfterEverySinkHoldsIt() {
        for trial in 0..<20 {
            let (events, error) = run(failAt: nil)
            #expect(error == nil)
            checkOrder(events, "trial \(trial)")
            #expect(events.filter { $0.hasPrefix("checkpoint") }.count == Int(Self.epochs))
        }
    }

    @Test func aFailureAtAnyStepStopsTheCheckpointsBehindIt() {
        var steps: [Step] = []
        for e in 1...Self.epochs {
            steps += [.write(sink: 0, epoch: e), .write(sink: 1, epoch: e), .delivery(epoch: e), .checkpoint(epoch: e)]
            if e % 2 == 0 { steps.append(.logCut(epoch: e)) }
        }
        for step in steps {
            let (events, error) = run(failAt: step)
            #expect((error as? Injected)?.step == step, "\(step): the producer saw \(String(describing: error))")
            checkOrder(events, "\(step)")
            let last = events.last { $0.hasPrefix("checkpoint") }.map { Int64($0.split(separator: " ")[1])! } ?? 0
            let failedEpoch: Int64 = switch step {
            case .write(_, let e), .delivery(let e), .checkpoint(let e), .logCut(let e): e
            }
            #expect(last < failedEpoch, "\(step): checkpointed through \(last)")
        }
    }
}
