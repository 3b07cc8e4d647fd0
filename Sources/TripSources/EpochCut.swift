import TripCore

/// Where `run` cuts the next epoch in each partition's buffered messages: a pure function of the buffered
/// messages' event times, so a restart from the same offsets cuts the same epochs whatever the arrival timing.
///
/// Aligned cut (every event-time column but `ingest`): every partition must hold `share` messages (or be at its
/// end, when the end counts). The bound is the earliest event time among the partitions' `share`-th messages;
/// each partition contributes its messages before the first one at or after the bound. So all partitions move
/// to the same event time, however unevenly they are filled: a dense partition is not left hours behind sparse
/// ones (which made its rows late). When that takes nothing (many messages sharing the bound's time, as the
/// portal's 15-minute rounding makes), messages up to and including the bound are taken, once every partition
/// shows a message after it (or its end); if even that takes nothing (the bound's partition holds later times
/// before it), that partition gives its `share`. A message without a usable event time is cut as its predecessor.
///
/// Count cut (one partition, or `ingest` time, which no data decides): `share` messages from every partition.
///
/// Delay cut (`--max-epoch-delay`, once the oldest buffered message has waited that long): no shares. Each
/// partition still delivering has reached the latest event time among its buffered messages; the bound is the
/// earliest of those, and each partition contributes its messages before the first one at or after it. A
/// partition at its end does not hold the bound back; one with nothing buffered that is not at its end is
/// waited for. This cut depends on what had arrived, so `run` logs it before the epoch's results go out.
public struct EpochCut {
    public let share: Int
    public let aligned: Bool

    public init(share: Int, aligned: Bool) {
        self.share = share
        self.aligned = aligned
    }

    /// Messages to take from each partition, or nil until more must be read.
    /// - Parameters:
    ///   - counts: buffered messages per partition.
    ///   - time: the cut time of partition p's i-th buffered message.
    ///   - ended: partition p is at its end and the end counts (`--stop-at-end`).
    @inlinable
    public func decide(counts: [Int], ended: [Bool], time: (Int, Int) -> EventTime) -> [Int]? {
        let partitions = counts.indices
        guard partitions.allSatisfy({ counts[$0] >= share || ended[$0] }) else { return nil }
        guard aligned else { return counts.map { min(share, $0) } }
        let bound = partitions.filter { counts[$0] >= share }.map { time($0, share - 1) }.min() ?? .max
        func prefix(_ p: Int, _ inEpoch: (EventTime) -> Bool) -> Int? {
            for i in 0..<counts[p] where !inEpoch(time(p, i)) { return i }
            return ended[p] ? counts[p] : nil
        }
        // Before the bound: every partition's end of that is within its first `share` (or it has ended).
        let before = partitions.map { prefix($0) { $0 < bound } ?? counts[$0] }
        if before.reduce(0, +) > 0 || bound == .max { return before }
        var upTo: [Int] = []
        for p in partitions {
            guard let n = prefix(p, { $0 <= bound }) else { return nil }
            upTo.append(n)
        }
        if upTo.reduce(0, +) > 0 { return upTo }
        // Still nothing: the partition that set the bound holds later times before it (out of order). It gives
        // its share as it stands, so the stream always moves on.
        let first = partitions.first { counts[$0] >= share && time($0, share - 1) == bound }!
        return partitions.map { $0 == first ? share : 0 }
    }

    /// Messages to take from each partition for a delay cut, or nil until more must be read.
    /// - Parameter ended: partition p is at its end (caught up or idle).
    @inlinable
    public func decideAfterDelay(counts: [Int], ended: [Bool], time: (Int, Int) -> EventTime) -> [Int]? {
        let partitions = counts.indices
        guard partitions.allSatisfy({ counts[$0] > 0 || ended[$0] }) else { return nil }
        guard aligned else { return counts }
        let bound = partitions.filter { counts[$0] > 0 && !ended[$0] }
            .map { p in (0..<counts[p]).reduce(EventTime.min) { max($0, time(p, $1)) } }.min() ?? .max
        let before = partitions.map { p in (0..<counts[p]).first { time(p, $0) >= bound } ?? counts[p] }
        // Nothing before the bound (its partition holds only that time so far): wait for more.
        return before.reduce(0, +) > 0 ? before : nil
    }
}
