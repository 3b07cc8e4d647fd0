import Testing
@testable import TripSources

/// The Kafka epoch cut on hand-made partitions of event times.
@Suite struct EpochCutTests {
    func decide(_ parts: [[Int64]], share: Int, ended: [Bool]? = nil, aligned: Bool = true) -> [Int]? {
        EpochCut(share: share, aligned: aligned)
            .decide(counts: parts.map(\.count), ended: ended ?? parts.map { _ in false }) { parts[$0][$1] }
    }

    @Test func partitionsMoveToACommonEventTime() {
        // p0 dense (a message per second), p1 sparse (every 10 s): both stop before t = 3, p0's third message.
        let p0: [Int64] = [0, 1, 2, 3, 4, 5], p1: [Int64] = [0, 10, 20, 30]
        #expect(decide([p0, p1], share: 3) == [2, 1])
        // Counting instead takes 3 of each: p1 would reach t = 20 while p0 is at 2.
        #expect(decide([p0, p1], share: 3, aligned: false) == [3, 3])
    }

    @Test func waitsForEveryPartitionsShareUnlessItEnded() {
        #expect(decide([[0, 1, 2], [0]], share: 2) == nil)
        #expect(decide([[0, 1, 2], [0]], share: 2, ended: [false, true]) == [1, 1])
        // Everything ended with less than a share: the rest, all of it.
        #expect(decide([[5], [7]], share: 2, ended: [true, true]) == [1, 1])
    }

    @Test func tiesAtTheBoundAreTakenOncePastThem() {
        // Every message shares t = 900 (15-minute rounding): nothing lies before the bound, so the cut takes
        // up to it, but only when each partition shows a later message or has ended.
        #expect(decide([[900, 900, 900], [900, 900]], share: 2) == nil)
        #expect(decide([[900, 900, 900, 1800], [900, 900, 1800]], share: 2) == [3, 2])
        #expect(decide([[900, 900, 900], [900, 900]], share: 2, ended: [true, true]) == [3, 2])
    }

    @Test func anOutOfOrderMessageStopsItsPartitionsPrefix() {
        // p0's second message is late in the stream (t = 1) but the 2nd-of-share bound is min(1, 6) = 1.
        #expect(decide([[5, 1, 7], [0, 6, 8]], share: 2) == [0, 1])
        // Next: nothing before or at the bound 1 (p0 opens with 5): p0, which set the bound, gives its share.
        #expect(decide([[5, 1, 7], [6, 8]], share: 2) == [2, 0])
    }

    func afterDelay(_ parts: [[Int64]], ended: [Bool]? = nil, aligned: Bool = true) -> [Int]? {
        EpochCut(share: 1000, aligned: aligned)
            .decideAfterDelay(counts: parts.map(\.count), ended: ended ?? parts.map { _ in false }) { parts[$0][$1] }
    }

    @Test func aDelayCutTakesUpToTheTimeEveryDeliveringPartitionReached() {
        // No shares: p1 has reached t = 4, p0 t = 9; both give their messages before 4.
        #expect(afterDelay([[1, 3, 5, 9], [2, 4]]) == [2, 1])
        // A partition's reach is its latest time, not its last message's: p0 reached 8 (its 2 is out of order),
        // so the bound is 8, not 2 or 9.
        #expect(afterDelay([[1, 7, 2, 8], [6, 9]]) == [3, 1])
        // A partition at its end does not bound (everything it holds is in); one with nothing that has not
        // ended is waited for.
        #expect(afterDelay([[1, 3, 5, 9], [2, 4]], ended: [false, true]) == [3, 2])
        #expect(afterDelay([[1, 3, 5, 9], []]) == nil)
        // p0 alone bounds: its messages at its reach (9) wait, as more at 9 may follow.
        #expect(afterDelay([[1, 3, 5, 9], []], ended: [false, true]) == [3, 0])
        // Every partition at its end: all of it.
        #expect(afterDelay([[1, 3], [2, 4]], ended: [true, true]) == [2, 2])
        // Nothing before the bound yet (all at one 15-minute time): wait.
        #expect(afterDelay([[900, 900], [900]]) == nil)
        // Without alignment (one partition, ingest time): everything buffered.
        #expect(afterDelay([[5, 1, 7]], aligned: false) == [3])
    }
}
