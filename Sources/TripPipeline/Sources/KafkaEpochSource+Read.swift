import Foundation
import TripCore
import TripKafka
import TripParsing
import TripSources
import TripTelemetry

extension KafkaEpochSource {
    struct Message {
        var offset: Int64
        var timestampMs: Int64
        /// Where the value's bytes are in its partition's byte buffer (a dead letter's raw text, should the row
        /// be rejected or late): one growing buffer per partition instead of an allocation per message.
        var valueStart, valueCount: Int
        /// Records in the value: 1, or a CSV value's lines.
        var records: Int32
        /// The event time the epoch cut sees (its predecessor's when the message has none).
        var cutTime: EventTime
        /// When it arrived (monotonic seconds): the delay cut counts from the oldest waiting message.
        var arrived: Double
        /// The same on the wall clock in ms, when measuring latency (else 0).
        var arrivedWallMs: Int64
    }

    /// The messages to take for a logged cut (those before its end offsets), once every partition shows it has
    /// them all: a message at or past the end, the last one before it, or the partition's end.
    static func loggedTakes(_ ends: [Int64], buffers: [[Message]], next: [Int64], atEnd: [Bool]) -> [Int]? {
        var takes: [Int] = []
        for p in buffers.indices {
            let n = buffers[p].prefix { $0.offset < ends[p] }.count
            let complete = n < buffers[p].count || atEnd[p] || ends[p] <= max(next[p], 0)
                || (n > 0 && buffers[p][n - 1].offset == ends[p] - 1)
            guard complete else { return nil }
            takes.append(n)
        }
        return takes
    }

    /// Reads until `epoch`'s cut is decided: every partition's share (or its end, when the end counts), and
    /// past the bound when many messages share its time; a logged cut; or a cut by time. The messages to take
    /// from each partition, or nil when the job was stopped first.
    func readUntilCut(epoch: Int64) throws -> [Int]? {
        /// The delay has passed (`maxEpochDelay`), and every message already fetched has been read.
        var delayDue = false, drained = false
        while true {
            if !logged.isEmpty, let planned = logged[epoch] {
                if let takes = Self.loggedTakes(planned, buffers: buffers, next: next, atEnd: atEnd) {
                    logger.info("epoch \(epoch): repeating the cut logged before the restart (offsets \(planned))")
                    logged[epoch] = nil
                    return takes
                }
            // This test runs for every message read; EpochCut repeats it, but only once it holds.
            } else if (0..<partitions).allSatisfy({ buffers[$0].count >= share || (job.stopAtEnd && atEnd[$0]) }),
                      let decided = cut.decide(counts: buffers.map(\.count), ended: atEnd.map { job.stopAtEnd && $0 },
                                               time: { buffers[$0][$1].cutTime }) {
                return decided
            } else if delayDue, drained,
                      let decided = cut.decideAfterDelay(counts: buffers.map(\.count), ended: atEnd,
                                                         time: { buffers[$0][$1].cutTime }) {
                let ends = (0..<partitions).map { decided[$0] > 0 ? buffers[$0][decided[$0] - 1].offset + 1 : next[$0] }
                try cutLog?.logCut(epoch: epoch, endOffsets: ends)
                logger.debug("epoch \(epoch): cut after \(job.maxEpochDelay ?? 0) s of waiting at offsets \(ends)")
                return decided
            }
            if shouldStop() { return nil }
            let wait = job.maxEpochDelay.flatMap { d in pendingSince.map { d - (Clock.monotonicSeconds() - $0) } } ?? 0.1
            delayDue = wait <= 0
            // Once the delay is due, first read what librdkafka has already fetched: after a slow epoch (the
            // writer held the loop back) a cut of only what was buffered would be tiny, and tiny epochs would
            // keep the loop behind.
            var timeoutMs = delayDue && !drained ? 0 : Int32(max(1, min(100, wait * 1000)))
            if !delayDue && wait < 0.001 {
                // The poll counts whole ms: a 1 ms poll for the last fraction would overshoot the delay.
                usleep(UInt32(wait * 1_000_000))
                timeoutMs = 0
            }
            let result = try consumer.poll(timeoutMs: timeoutMs) { self.buffer($0) }
            if case .partitionEnd(_, let p, _) = result { atEnd[Int(p)] = true }
            drained = delayDue && result == .timeout
        }
    }

    /// Decodes a message's event time on arrival (its cut time) and buffers it until its epoch, which decodes
    /// it with the queries' columns (`takeEntering`).
    private func buffer(_ m: KafkaMessageView) {
        let p = Int(m.partition)
        let arrived = Clock.monotonicSeconds()
        if pendingSince == nil { pendingSince = arrived }
        let (records, time) = decoder.arrival(m.value, timestampMs: m.timestampMs, locations: &noLocations, texts: &noTexts)
        if let time { lastCutTime[p] = time }
        let valueStart = valueBytes[p].count
        valueBytes[p].append(contentsOf: m.value)
        buffers[p].append(Message(offset: m.offset, timestampMs: m.timestampMs, valueStart: valueStart,
                                  valueCount: m.value.count, records: records,
                                  cutTime: lastCutTime[p], arrived: arrived,
                                  arrivedWallMs: job.measureLatency ? Clock.wallMilliseconds() : 0))
        atEnd[p] = false
    }
}
