import Testing
@testable import TripPipeline

/// The commit order's transitions, step by step: the machine is a value, so each test plays the writer and the
/// producer by hand and checks the action it gets.
@Suite struct CommitStateMachineTests {
    typealias Machine = CommitStateMachine<String>
    struct Failure: Error, Equatable { var step: String }

    /// What an action is, without its payload's identity: easy to compare.
    func describe(_ a: Machine.Action) -> String {
        switch a {
        case .logCuts(let cuts): "log cuts \(cuts.map(\.epoch))"
        case .write(let job): "write \(job)"
        case .checkDurable(let e): "check \(e)"
        case .awaitDurable(let e): "await \(e)"
        case .checkpoint(let job, let at): "checkpoint \(job) visible at \(at)"
        case .wait(let t): "wait \(t.map { "\($0)" } ?? "until woken")"
        case .finish(let e): e == nil ? "finish" : "finish with \(e!)"
        }
    }

    func next(_ m: inout Machine) -> String { describe(m.nextAction()) }

    /// Submits the epoch, has it written (handed over at `at`), and finds its deliveries not yet reported.
    func writeAwaitingDelivery(_ m: inout Machine, _ epoch: Int64, at: Double,
                               sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(m.submit("e\(epoch)", epoch: epoch) == .accepted, sourceLocation: sourceLocation)
        #expect(next(&m) == "write e\(epoch)", sourceLocation: sourceLocation)
        m.wrote(sentAt: at, committedAt: at + 1)
        #expect(next(&m) == "check \(epoch)", sourceLocation: sourceLocation)
        m.durable(through: epoch, at: nil)
    }

    @Test func withoutDeliveriesEachEpochIsCheckpointedRightAfterItIsWritten() {
        var m = Machine(depth: 2, maxWritten: 4, sinksDeliverLater: false)
        #expect(next(&m) == "wait until woken")
        #expect(m.submit("e1", epoch: 1) == .accepted)
        #expect(m.submit("e2", epoch: 2) == .accepted)
        #expect(next(&m) == "write e1")
        m.wrote(sentAt: 0, committedAt: 10)
        #expect(next(&m) == "checkpoint e1 visible at 10.0")
        m.checkpointed()
        #expect(next(&m) == "write e2")
        m.wrote(sentAt: 0, committedAt: 11)
        #expect(next(&m) == "checkpoint e2 visible at 11.0")
        m.checkpointed()
        #expect(next(&m) == "wait until woken")
        m.close()
        #expect(next(&m) == "finish")
        #expect(m.isFinished)
    }

    @Test func submitSaysFullAtDepthUntilTheWriterTakesAnEpoch() {
        var m = Machine(depth: 2, maxWritten: 4, sinksDeliverLater: false)
        #expect(m.submit("e1", epoch: 1) == .accepted)
        #expect(m.submit("e2", epoch: 2) == .accepted)
        #expect(m.submit("e3", epoch: 3) == .full)
        #expect(next(&m) == "write e1")
        #expect(m.submit("e3", epoch: 3) == .full, "the epoch being written still counts")
        m.wrote(sentAt: 0, committedAt: 1)
        #expect(m.submit("e3", epoch: 3) == .accepted)
    }

    @Test func cutsAreLoggedBeforeTheEpochTheyEndAndBeforeAnyCheckpoint() {
        var m = Machine(depth: 2, maxWritten: 4, sinksDeliverLater: false)
        #expect(m.submit("e1", epoch: 1) == .accepted)
        #expect(next(&m) == "write e1")
        m.wrote(sentAt: 0, committedAt: 1)
        #expect(m.logCut(.init(epoch: 2, endOffsets: [5, 7])) == nil)
        #expect(m.submit("e2", epoch: 2) == .accepted)
        #expect(next(&m) == "log cuts [2]")
        #expect(next(&m) == "checkpoint e1 visible at 1.0")
        m.checkpointed()
        #expect(next(&m) == "write e2")
    }

    @Test func withDeliveriesTheCheckpointWaitsForTheReport() {
        var m = Machine(depth: 2, maxWritten: 4, sinksDeliverLater: true)
        writeAwaitingDelivery(&m, 1, at: 5)
        #expect(next(&m) == "wait 0.1", "deliveries pending: a bounded wait")
        m.waited()
        #expect(next(&m) == "check 1", "after a wait (a missed wake-up), ask again")
        m.durable(through: 1, at: nil)
        #expect(m.submit("e2", epoch: 2) == .accepted)
        #expect(next(&m) == "write e2", "the writer goes on while deliveries are under way")
        m.wrote(sentAt: 7, committedAt: 8)
        #expect(next(&m) == "check 1")
        m.durable(through: 1, at: nil)
        m.deliveryReported()
        #expect(next(&m) == "check 1", "a report since the last answer: ask again")
        m.durable(through: 1, at: 9)
        #expect(next(&m) == "checkpoint e1 visible at 9.0")
        m.checkpointed()
        m.deliveryReported()
        #expect(next(&m) == "check 2")
        m.durable(through: 2, at: 3)
        #expect(next(&m) == "checkpoint e2 visible at 7.0", "delivered before it was handed over: visible from then")
    }

    @Test func aLateAnswerAboutAnEpochAlreadyCheckpointedChangesNothing() {
        var m = Machine(depth: 2, maxWritten: 4, sinksDeliverLater: true)
        #expect(m.submit("e1", epoch: 1) == .accepted)
        #expect(next(&m) == "write e1")
        m.wrote(sentAt: 1, committedAt: 1)
        m.durable(through: 7, at: 2)
        #expect(next(&m) == "check 1")
    }

    @Test func tooManyEpochsWaitingForDeliveryBlockOnTheOldest() {
        var m = Machine(depth: 1, maxWritten: 1, sinksDeliverLater: true)
        for e in Int64(1)...2 {
            #expect(m.submit("e\(e)", epoch: e) == .accepted)
            if e == 2 {
                #expect(next(&m) == "check 1")
                m.durable(through: 1, at: nil)
            }
            #expect(next(&m) == "write e\(e)")
            m.wrote(sentAt: Double(e), committedAt: Double(e))
        }
        #expect(next(&m) == "await 1", "two epochs wait, one may")
        m.durable(through: 1, at: 4)
        #expect(next(&m) == "checkpoint e1 visible at 4.0")
    }

    @Test func closingAwaitsEveryDeliveryThenFinishes() {
        var m = Machine(depth: 2, maxWritten: 4, sinksDeliverLater: true)
        writeAwaitingDelivery(&m, 1, at: 1)
        m.close()
        #expect(next(&m) == "await 1")
        m.durable(through: 1, at: 2)
        #expect(next(&m) == "checkpoint e1 visible at 2.0")
        #expect(!m.isFinished)
        m.checkpointed()
        #expect(next(&m) == "finish")
    }

    @Test func aFailureStopsEverythingAndReachesTheProducer() {
        var m = Machine(depth: 3, maxWritten: 4, sinksDeliverLater: true)
        #expect(m.submit("e1", epoch: 1) == .accepted)
        #expect(m.submit("e2", epoch: 2) == .accepted)
        #expect(m.logCut(.init(epoch: 3, endOffsets: [1])) == nil)
        #expect(next(&m) == "log cuts [3]")
        #expect(next(&m) == "write e1")
        m.wrote(sentAt: 1, committedAt: 1)
        #expect(next(&m) == "check 1")
        m.failed(Failure(step: "delivery"))
        #expect(next(&m) == "finish with Failure(step: \"delivery\")")
        #expect(m.isFinished)
        #expect(m.queued.isEmpty, "nothing more is written")
        if case .failed(let e) = m.submit("e3", epoch: 3) { #expect(e as? Failure == Failure(step: "delivery")) } else {
            Issue.record("submit after a failure must fail")
        }
        #expect(m.logCut(.init(epoch: 4, endOffsets: [1])) as? Failure == Failure(step: "delivery"))
    }
}

extension CommitStateMachine.Submission: Equatable {
    public static func == (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case (.accepted, .accepted), (.full, .full), (.failed, .failed): true
        default: false
        }
    }
}
