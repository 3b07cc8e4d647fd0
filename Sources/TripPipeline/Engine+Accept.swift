import TripCore
import TripEngine
import TripParsing

extension Engine {
    /// Feeds one decoded record to the queries, the same for every source (CSV replay, Kafka run): its row
    /// (the decoder's `row`: the columns the queries read) is ingested and dead-lettered once per query it was
    /// late for; a rejected record counts as rejected and is dead-lettered once. `raw` (`DeadLetter.raw(of:)`)
    /// is only evaluated for dead letters.
    mutating func accept(_ outcome: DecodeOutcome, row: borrowing QueryRow, offset: Int64,
                         raw: () -> (text: String, bytes: [UInt8]?), source: String? = nil,
                         into deadLetters: inout [DeadLetter]) {
        switch outcome {
        case .trip:
            let late = ingest(row)
            guard !late.isEmpty else { return }
            let text = raw()
            for q in late.indices {
                deadLetters.append(lateDeadLetter(query: q, row: row, offset: offset, raw: text, source: source))
            }
        case .rejected(let reason):
            state.counters.rowsRejected += 1
            let text = raw()
            deadLetters.append(DeadLetter(query: nil, offset: offset, reason: reason, raw: text.text,
                                          rawBytes: text.bytes, source: source))
        }
    }
}
