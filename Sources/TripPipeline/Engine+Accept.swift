import TripCore
import TripEngine
import TripParsing

extension Engine {
    /// Feeds one decoded record to the queries, the same for every source (CSV replay, Kafka run): a trip is
    /// ingested and dead-lettered once per query it was late for; a rejected record counts as rejected and is
    /// dead-lettered once. `raw` (`DeadLetter.raw(of:)`) is only evaluated for dead letters.
    mutating func accept(_ outcome: DecodeOutcome, offset: Int64, raw: () -> (text: String, bytes: [UInt8]?),
                         source: String? = nil,
                         into deadLetters: inout [DeadLetter]) {
        switch outcome {
        case .trip(let trip):
            let late = ingest(trip)
            guard !late.isEmpty else { return }
            let text = raw()
            for q in QueryName.allCases where late.contains(q) {
                deadLetters.append(.late(q, eventTime: trip.eventTime, watermark: state.watermarks[q], offset: offset,
                                         raw: text, source: source))
            }
        case .rejected(let reason):
            state.counters.rowsRejected += 1
            let text = raw()
            deadLetters.append(DeadLetter(query: nil, offset: offset, reason: reason, raw: text.text, rawBytes: text.bytes,
                                          source: source))
        }
    }
}
