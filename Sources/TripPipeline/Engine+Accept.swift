import TripCore
import TripEngine
import TripParsing

extension Engine {
    /// Feeds one decoded record to the queries, the same for every source (CSV replay, Kafka run): a trip is
    /// ingested and dead-lettered once per query it was late for; a rejected record counts as rejected and is
    /// dead-lettered once. `raw` (`DeadLetter.raw(of:)`) is only evaluated for dead letters. For a job without
    /// SQL queries (the built-ins read only the `Trip`).
    mutating func accept(_ outcome: DecodeOutcome, offset: Int64, raw: () -> (text: String, bytes: [UInt8]?),
                         source: String? = nil,
                         into deadLetters: inout [DeadLetter]) {
        switch outcome {
        case .trip(let trip):
            let late = ingest(trip)
            guard !late.isEmpty else { return }
            appendLate(late, trip: trip, offset: offset, raw: raw(), source: source, into: &deadLetters)
        case .rejected(let reason):
            reject(reason, offset: offset, raw: raw(), source: source, into: &deadLetters)
        }
    }

    /// The same with the SQL queries: `row` holds the record's columns they read (the decoder's `row`).
    mutating func accept(_ outcome: DecodeOutcome, row: borrowing QueryRow, offset: Int64,
                         raw: () -> (text: String, bytes: [UInt8]?), source: String? = nil,
                         into deadLetters: inout [DeadLetter]) {
        switch outcome {
        case .trip(let trip):
            let late = ingest(trip, row: row)
            guard !late.isEmpty else { return }
            let text = raw()
            appendLate(late, trip: trip, offset: offset, raw: text, source: source, into: &deadLetters)
            var bits = late.queryBits
            while bits != 0 {
                let q = bits.trailingZeroBitCount
                bits &= bits - 1
                deadLetters.append(lateDeadLetter(sqlQuery: q, row: row, offset: offset, raw: text, source: source))
            }
        case .rejected(let reason):
            reject(reason, offset: offset, raw: raw(), source: source, into: &deadLetters)
        }
    }

    /// A dead letter per built-in the trip was late for.
    private func appendLate(_ late: LateMask, trip: Trip, offset: Int64, raw: (text: String, bytes: [UInt8]?),
                            source: String?, into deadLetters: inout [DeadLetter]) {
        for q in QueryName.allCases where late.contains(q) {
            deadLetters.append(.late(q, eventTime: trip.eventTime, watermark: state.watermarks[q], offset: offset,
                                     raw: raw, source: source))
        }
    }

    private mutating func reject(_ reason: String, offset: Int64, raw: (text: String, bytes: [UInt8]?), source: String?,
                                 into deadLetters: inout [DeadLetter]) {
        state.counters.rowsRejected += 1
        deadLetters.append(DeadLetter(query: nil, offset: offset, reason: reason, raw: raw.text, rawBytes: raw.bytes,
                                      source: source))
    }
}
