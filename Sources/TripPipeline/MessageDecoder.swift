import TripCore
import TripEngine
import TripParsing

/// Decodes one ingest message (a JSON object, or a CSV line with `csvHeader`) into a trip or a rejection.
struct MessageDecoder {
    let timeColumn: TimeColumn
    var json: JSONTripDecoder
    var csv: TripDecoder?
    var tokenizer = CSVTokenizer()

    init(config: TripstreamConfig, csvHeader: CSVHeader?) throws {
        timeColumn = config.timeColumn
        json = JSONTripDecoder(timeColumn: config.timeColumn, zone: config.timeZone)
        csv = try csvHeader.map {
            try TripDecoder(header: $0, timeColumn: config.timeColumn, zone: config.timeZone, now: { Clock.wallMilliseconds() })
        }
    }

    mutating func decode(_ bytes: UnsafeRawBufferPointer, timestampMs: Int64, locations: inout StringInterner) -> DecodeOutcome {
        if var decoder = csv {
            csv = nil  // one owner while it decodes: no copy-on-write of its buffers per message
            defer { csv = decoder }
            switch tokenizer.scan(bytes, from: 0, atEOF: true) {
            case .record(let end, _):
                let decoded = decoder.decode(UnsafeRawBufferPointer(rebasing: bytes[0..<end]),
                                             fields: tokenizer.fields, locations: &locations)
                // A CSV line has no message timestamp of its own: take the message's.
                guard timeColumn == .kafkaTimestamp, case .trip(var trip) = decoded else { return decoded }
                trip.eventTime = timestampMs
                return .trip(trip)
            case .malformed(let reason, _, _): return .rejected(reason)
            default: return .rejected("empty message")
            }
        }
        // Without a time field the event time is the message's timestamp, or the wall clock (ingest).
        let time = timeColumn == .ingest ? Clock.wallMilliseconds() : timestampMs
        return json.decode(bytes, kafkaTimestampMs: time, locations: &locations)
    }
}
