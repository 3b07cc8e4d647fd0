import TripCore
import TripParsing

/// Decodes one ingest message (a JSON object, or a CSV line with `csvHeader`) into a trip or a rejection.
/// `run` calls it for every message from another module: inlinable, so that call costs what a call within
/// the module did.
public struct MessageDecoder {
    @usableFromInline let timeColumn: TimeColumn
    @usableFromInline var json: JSONTripDecoder
    @usableFromInline var csv: TripDecoder?
    @usableFromInline var tokenizer = CSVTokenizer()

    /// `layout`: the columns the SQL queries read (`decodeEach(…texts:…)` gives them per record).
    /// `parsesTripFields`: as the decoders' (false: each record into its row alone, with the event time).
    public init(config: TripstreamConfig, csvHeader: CSVHeader?, layout: RowLayout = RowLayout(),
                parsesTripFields: Bool = true) throws {
        timeColumn = config.timeColumn
        json = JSONTripDecoder(timeColumn: config.timeColumn, zone: config.timeZone, layout: layout,
                               parsesTripFields: parsesTripFields)
        csv = try csvHeader.map {
            try TripDecoder(header: $0, timeColumn: config.timeColumn, zone: config.timeZone, layout: layout,
                            parsesTripFields: parsesTripFields, now: { Clock.wallMilliseconds() })
        }
    }

    /// `decodeEach(_:timestampMs:locations:_:)` with the SQL queries' columns of each record: `body` also gets
    /// its `QueryRow` (the layout's columns; all NULL for a rejection), valid during the call. Text is interned
    /// into `texts` (the engine's `queryTexts`) or coded by literal; `kafka_timestamp` is the message's
    /// timestamp, `ingest_time` the wall clock once per message.
    @inlinable
    public mutating func decodeEach(_ bytes: UnsafeRawBufferPointer, timestampMs: Int64, locations: inout StringInterner,
                                    texts: inout StringInterner, _ body: (Range<Int>, DecodeOutcome, QueryRow) -> Void) {
        guard csv != nil else {
            let outcome = json.decode(bytes, kafkaTimestampMs: timestampMs, ingestTimeMs: Clock.wallMilliseconds(),
                                      locations: &locations, texts: &texts)
            body(0..<bytes.count, outcome, json.row)
            return
        }
        eachCSVRecord(bytes, timestampMs: timestampMs, decode: {
            $0.decode($1, fields: $2, locations: &locations, texts: &texts, kafkaTimestampMs: timestampMs)
        }) { range, outcome, row in body(range, outcome, row ?? QueryRow()) }  // a malformed record's row: rare
    }

    /// What `run` reads of a message on arrival, for its epoch cut: how many records it holds (a JSON object is
    /// one; a CSV value one per line) and the last one's event time (nil when none has one). A JSON object is read
    /// only up to its time field (`JSONTripDecoder.cutTime`); the epoch decodes the message whole. A CSV value's
    /// lines are decoded as `decodeEach` does, with `locations` and `texts` (a decoder without columns, made with
    /// `parsesTripFields` false, fills neither).
    @inlinable
    public mutating func arrival(_ bytes: UnsafeRawBufferPointer, timestampMs: Int64, locations: inout StringInterner,
                                 texts: inout StringInterner) -> (records: Int32, time: EventTime?) {
        guard csv != nil else {
            return (1, json.cutTime(bytes, kafkaTimestampMs: timestampMs, ingestTimeMs: Clock.wallMilliseconds()))
        }
        var records: Int32 = 0, time: EventTime?
        decodeEach(bytes, timestampMs: timestampMs, locations: &locations, texts: &texts) { _, outcome, _ in
            records += 1
            if case .trip(let trip) = outcome { time = trip.eventTime }
        }
        return (records, time)
    }

    /// Decodes every record of a message: a JSON object is one; a CSV value holds one per line (blank lines
    /// skipped, none at all: one rejection). `body` gets each record's byte range in the value and outcome.
    @inlinable
    public mutating func decodeEach(_ bytes: UnsafeRawBufferPointer, timestampMs: Int64, locations: inout StringInterner,
                             _ body: (Range<Int>, DecodeOutcome) -> Void) {
        guard csv != nil else {
            // Without a time field the event time is the message's timestamp, or the wall clock (ingest).
            let time = timeColumn == .ingest ? Clock.wallMilliseconds() : timestampMs
            body(0..<bytes.count, json.decode(bytes, kafkaTimestampMs: time, locations: &locations))
            return
        }
        eachCSVRecord(bytes, timestampMs: timestampMs, decode: { $0.decode($1, fields: $2, locations: &locations) }) {
            range, outcome, _ in body(range, outcome)
        }
    }

    /// The CSV records of a message, each decoded by `decode` (given the decoder, the record and its fields) and
    /// handed to `body` with the decoder's row (nil for a malformed record); none at all is one rejection.
    @inlinable
    mutating func eachCSVRecord(_ bytes: UnsafeRawBufferPointer, timestampMs: Int64,
                                decode: (inout TripDecoder, UnsafeRawBufferPointer, CSVFields) -> DecodeOutcome,
                                _ body: (Range<Int>, DecodeOutcome, QueryRow?) -> Void) {
        guard var decoder = csv else { return }
        csv = nil  // one owner while it decodes: no copy-on-write of its buffers per message
        defer { csv = decoder }
        var start = 0, records = 0
        while start < bytes.count {
            switch tokenizer.scan(bytes, from: start, atEOF: true) {
            case .record(let end, let next):
                records += 1
                var decoded = decode(&decoder, UnsafeRawBufferPointer(rebasing: bytes[start..<end]), tokenizer.fields)
                // A CSV line has no message timestamp of its own: take the message's.
                if timeColumn == .kafkaTimestamp, case .trip(var trip) = decoded {
                    trip.eventTime = timestampMs
                    decoded = .trip(trip)
                }
                body(start..<end, decoded, decoder.row)
                start = next
            case .malformed(let reason, let end, let next):
                records += 1
                body(start..<end, .rejected(reason), nil)
                start = next
            case .blank(let next):
                start = max(next, start + 1)
            case .needMore:
                start = bytes.count  // not at EOF: cannot happen
            }
        }
        if records == 0 { body(0..<bytes.count, .rejected("empty message"), nil) }
    }
}
