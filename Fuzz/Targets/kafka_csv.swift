// fuzz-modules: TripCore TripParsing TripSources
// fuzz-max-len: 2048
import TripCore
@testable import TripParsing
import TripSources

// The Kafka CSV message decoder (`tripstream run --csv-header`) on arbitrary messages: every record of a
// message (blank lines skipped) is one row read, so it gives one outcome of its own, and the outcomes must
// account for the whole message. The records must be the reference splitter's, in order, with the same
// byte ranges; a well-formed one decodes as the trip decoder decodes it, a malformed one is rejected with
// a reason; a message holding no record at all is one rejection (read = processed + rejected, per row).
// With a layout of every column, under each of two headers of the same width (the built-ins' columns, then
// other column types): each record's row is the one the trip decoder gives (the message's timestamp as
// kafka_timestamp; ingest_time is the clock, read per record, so only its presence is compared).
// Input: the message.

let header = CSVHeader(names: ["trip_id", "trip_start_timestamp", "fare", "tips", "trip_total",
                               "pickup_community_area", "pickup_centroid_location"])
let rowHeaders = [header, CSVHeader(names: ["trip_seconds", "trip_start_timestamp", "pickup_centroid_latitude",
                                            "trip_miles", "trip_end_timestamp", "payment_type", "company"])]
let layout = everyColumnLayout()
let messageTimestamp: Int64 = 1_429_315_200_000
var locations = StringInterner()
var texts = StringInterner()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKafkaCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let message = Array(UnsafeBufferPointer(start: data, count: size))
    var decoder = try! MessageDecoder(config: .chicago, csvHeader: header)
    var direct = try! TripDecoder(header: header, timeColumn: TripstreamConfig.chicago.timeColumn,
                                  zone: TripstreamConfig.chicago.timeZone)
    if locations.count > 10_000 { locations = StringInterner() }
    var outcomes: [(Range<Int>, DecodeOutcome)] = []
    message.withUnsafeBytes { bytes in
        decoder.decodeEach(bytes, timestampMs: 0, locations: &locations) { outcomes.append(($0, $1)) }
    }
    // No size limit on a message's records: Kafka bounds the message.
    let records = ReferenceSplitter.split(message, maxRecordBytes: Int.max)
    if records.isEmpty {
        require(outcomes.count == 1, "a message without records gave \(outcomes.count) outcomes: \(visible(message))")
        guard case .rejected(let reason) = outcomes[0].1 else {
            require(false, "a message without records decoded as a trip: \(visible(message))"); return 0
        }
        require(!reason.isEmpty, "a rejection without a reason")
        return 0
    }
    require(outcomes.count == records.count,
            "\(records.count) records gave \(outcomes.count) outcomes: \(outcomes); message \(visible(message))")
    for (record, (range, outcome)) in zip(records, outcomes) {
        require(range == record.start..<record.end,
                "record \(record.start)..<\(record.end) decoded as \(range): message \(visible(message))")
        guard let fields = record.fields else {
            guard case .rejected(let reason) = outcome, !reason.isEmpty else {
                require(false, "a malformed record decoded as \(outcome): \(visible(message))"); return 0
            }
            continue
        }
        let expected: DecodeOutcome = message.withUnsafeBytes { buf in
            let bytes = UnsafeRawBufferPointer(rebasing: buf[record.start..<record.end])
            let bounds = fields.map { CSVField(start: Int32($0.start), end: Int32($0.end), escapedQuotes: $0.escapedQuotes) }
            return direct.decode(bytes, fields: bounds[...], locations: &locations)
        }
        // Both rejected: the reasons may differ (the message decoder may name what is wrong with the message).
        if case .rejected = outcome, case .rejected = expected { continue }
        require(outcome == expected, "record \(record.start)..<\(record.end) of \(visible(message)) gave \(outcome), "
                + "the trip decoder \(expected)")
    }
    if texts.count > 10_000 { texts = StringInterner() }
    for h in rowHeaders { checkRows(message, records, header: h) }
    return 0
}

/// The rows of the message's records with the every-column layout, against the trip decoder's.
func checkRows(_ message: [UInt8], _ records: [ReferenceRecord], header: CSVHeader) {
    var decoder = try! MessageDecoder(config: .chicago, csvHeader: header, layout: layout)
    var direct = try! TripDecoder(header: header, timeColumn: TripstreamConfig.chicago.timeColumn,
                                  zone: TripstreamConfig.chicago.timeZone, layout: layout)
    var outcomes: [(DecodeOutcome, QueryRow)] = []
    message.withUnsafeBytes { bytes in
        decoder.decodeEach(bytes, timestampMs: messageTimestamp, locations: &locations, texts: &texts) {
            outcomes.append(($1, $2))
        }
    }
    require(outcomes.count == max(1, records.count), "\(records.count) records gave \(outcomes.count) outcomes")
    for (record, (outcome, row)) in zip(records, outcomes) {
        guard let fields = record.fields else {
            require(row.present == 0, "a malformed record has a row: \(visible(message))")
            continue
        }
        let expected: DecodeOutcome = message.withUnsafeBytes { buf in
            let bytes = UnsafeRawBufferPointer(rebasing: buf[record.start..<record.end])
            let bounds = fields.map { CSVField(start: Int32($0.start), end: Int32($0.end), escapedQuotes: $0.escapedQuotes) }
            return direct.decode(bytes, fields: bounds[...], locations: &locations, texts: &texts,
                                 kafkaTimestampMs: messageTimestamp)
        }
        var expectedRow = direct.row
        expectedRow[.ingestTime] = row[.ingestTime]
        require(outcome == expected, "record \(record.start)..<\(record.end) of \(visible(message)) gave \(outcome) "
                + "with the layout, the trip decoder \(expected)")
        require(row == expectedRow && row.has(.ingestTime) == direct.row.has(.ingestTime),
                "record \(record.start)..<\(record.end) of \(visible(message)) gave row \(row.values), "
                + "the trip decoder \(direct.row.values)")
        if case .trip = outcome { require(row[.kafkaTimestamp] == messageTimestamp, "kafka_timestamp not the message's") }
    }
}
