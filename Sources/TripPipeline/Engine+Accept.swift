import TripCore
import TripEngine
import TripParsing

extension Engine {
    /// Feeds one decoded record to the queries, the same for every source (CSV replay, Kafka run): a trip is
    /// ingested and dead-lettered once per query it was late for; a rejected record counts as rejected and is
    /// dead-lettered once. `raw` is only evaluated for dead letters.
    mutating func accept(_ outcome: DecodeOutcome, offset: Int64, raw: () -> String, source: String? = nil,
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
            deadLetters.append(DeadLetter(query: nil, offset: offset, reason: reason, raw: raw(), source: source))
        }
    }
}
