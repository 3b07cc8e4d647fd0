// fuzz-modules: TripCore TripParsing
// fuzz-max-len: 2048
import TripCore
import TripParsing

// The CSV trip decoder on arbitrary records: each record gives exactly one outcome, a trip or a rejection
// with a reason (read = processed + rejected); the event-time sort key agrees with the decoded trip; and a
// decoded trip re-encoded as the ingest JSON (TripJSONEncoder) decodes (JSONTripDecoder) to the same trip.
// With a layout of every column (the SQL queries' QueryRow): the outcome is the same as without one, or a
// rejection naming a column; the record's ingest JSON gives the same row (and the same rejection); and the
// row written back as JSON (`jsonMessage(of:)`) decodes to the same row. Without the `Trip`'s fields
// (`parsesTripFields: false`, the decode the built-ins will run as SQL): the same row and event time, and the
// same verdict except where the built-ins' stricter community area rejects what an integer column accepts.
// Input: 1 byte choosing the time zone, then CSV records, each decoded under two portal-style headers of
// the same width (the first holds the built-ins' columns, the second other column types).

let headers = [
    CSVHeader(names: ["Trip ID", "Trip Start Timestamp", "Fare", "Tips", "Trip Total",
                      "Pickup Community Area", "Pickup Centroid Location"]),
    CSVHeader(names: ["Trip Seconds", "Trip Start Timestamp", "Pickup Centroid Latitude", "Trip Miles",
                      "Trip End Timestamp", "Payment Type", "Company"]),
]
let zones = [ZoneRules(identifier: "America/Chicago")!, ZoneRules.utc]
let layout = everyColumnLayout()
let ingestTime: EventTime = 5
var tokenizer = CSVTokenizer()
var encoders = headers.map { TripJSONEncoder(header: $0) }
var locations = StringInterner()
var texts = StringInterner()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTripDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let zone = zones[Int(input.byte()) % zones.count]
    if locations.count > 10_000 { locations = StringInterner() }
    if texts.count > 10_000 { texts = StringInterner() }
    let body = Array(input.rest)
    for (h, header) in headers.enumerated() {
        var csv = try! TripDecoder(header: header, timeColumn: .tripStart, zone: zone)
        var json = JSONTripDecoder(timeColumn: .tripStart, zone: zone)
        var rows = try! TripDecoder(header: header, timeColumn: .tripStart, zone: zone, layout: layout, now: { ingestTime })
        var jsonRows = JSONTripDecoder(timeColumn: .tripStart, zone: zone, layout: layout)
        var rowOnly = try! TripDecoder(header: header, timeColumn: .tripStart, zone: zone, layout: layout,
                                       parsesTripFields: false, now: { ingestTime })
        var read = 0, processed = 0, rejected = 0
        body.withUnsafeBytes { buf in
            var start = 0
            while true {
                let scan = tokenizer.scan(buf, from: start, atEOF: true)
                guard case .record(let end, let next) = scan else {
                    if case .malformed(_, _, let next) = scan { start = next; continue }
                    if case .blank(let next) = scan, next < buf.count { start = next; continue }
                    break
                }
                let record = UnsafeRawBufferPointer(rebasing: buf[start..<end])
                let fields = tokenizer.fields
                read += 1
                let key = csv.eventTime(record, fields: fields)
                let outcome = csv.decode(record, fields: fields, locations: &locations)
                switch outcome {
                case .rejected(let reason):
                    rejected += 1
                    require(!reason.isEmpty, "a rejection without a reason: \(visible(record))")
                case .trip(let trip):
                    processed += 1
                    require(key == trip.eventTime, "sort key \(String(describing: key)) but trip time \(trip.eventTime)")
                    require(csv.decode(record, fields: fields, locations: &locations, knownEventTime: key) == .trip(trip),
                            "decoding with the known event time differs: \(visible(record))")
                    encoders[h].encode(record, fields: fields, eventTimestamp: nil)
                    let again = encoders[h].bytes.withUnsafeBytes {
                        json.decode($0, kafkaTimestampMs: 0, locations: &locations)
                    }
                    require(again == .trip(trip), "CSV \(visible(record)) gave \(trip); its JSON "
                            + "\(visible(encoders[h].bytes)) gave \(again)")
                }
                let withRow = rows.decode(record, fields: fields, locations: &locations, texts: &texts, knownEventTime: key)
                checkRow(outcome, withRow, rows.row, record: record, fields: fields, header: h, json: &jsonRows)
                let alone = rowOnly.decode(record, fields: fields, locations: &locations, texts: &texts, knownEventTime: key)
                checkRowOnly(withRow, alone, rows.row, rowOnly.row, record: record, header: h)
                start = next
            }
        }
        require(read == processed + rejected, "read \(read) ≠ processed \(processed) + rejected \(rejected)")
    }
    return 0
}

/// The invariants of a record decoded with the every-column layout (see the top).
func checkRow(_ plain: DecodeOutcome, _ withRow: DecodeOutcome, _ row: QueryRow, record: UnsafeRawBufferPointer,
              fields: CSVFields, header h: Int, json: inout JSONTripDecoder) {
    switch (plain, withRow) {
    case (.rejected(let a), .rejected(let b)):
        require(a == b, "rejected as \"\(a)\" without a layout but \"\(b)\" with one: \(visible(record))")
        return
    case (.rejected, .trip):
        require(false, "rejected without a layout but a trip with one: \(visible(record))")
    case (.trip(let t), .trip(let u)):
        require(t == u, "trip \(t) without a layout but \(u) with one: \(visible(record))")
    case (.trip, .rejected(let reason)):
        require(row.present == 0, "a rejection left a row")
        require(headers[h].names.contains { reason.contains($0) }, "a rejection naming no column: \(reason)")
    }
    encoders[h].encode(record, fields: fields, eventTimestamp: nil)
    let viaJSON = encoders[h].bytes.withUnsafeBytes {
        json.decode($0, kafkaTimestampMs: 0, ingestTimeMs: ingestTime, locations: &locations, texts: &texts)
    }
    guard case .trip = withRow else {
        if case .trip = viaJSON { require(false, "CSV \(visible(record)) rejected (\(withRow)); its JSON "
                                          + "\(visible(encoders[h].bytes)) gave a trip") }
        return
    }
    var expected = row
    expected[.kafkaTimestamp] = 0
    require(json.row == expected, "CSV \(visible(record)) gave \(row.values); its JSON "
            + "\(visible(encoders[h].bytes)) gave \(viaJSON), \(json.row.values) (present \(json.row.present), "
            + "expected \(expected.present))")
    guard let message = jsonMessage(of: row, layout: layout, texts: texts) else { return }
    let again = message.withUnsafeBytes {
        json.decode($0, kafkaTimestampMs: 0, ingestTimeMs: ingestTime, locations: &locations, texts: &texts)
    }
    require(json.row == expected, "row \(row.values) written back as \(visible(message)) gave \(again), \(json.row.values)")
}

/// The row-only decode against the decode beside the `Trip` (see the top).
func checkRowOnly(_ withTrip: DecodeOutcome, _ alone: DecodeOutcome, _ row: QueryRow, _ aloneRow: QueryRow,
                  record: UnsafeRawBufferPointer, header h: Int) {
    switch (withTrip, alone) {
    case (.trip(let t), .trip(let u)):
        require(u == Trip(eventTime: t.eventTime), "row-only trip \(u) against \(t): \(visible(record))")
        require(aloneRow == row, "row-only row \(aloneRow.values) against \(row.values): \(visible(record))")
    case (.rejected, .rejected(let reason)):
        require(aloneRow.present == 0, "a row-only rejection left a row")
        require(headers[h].names.contains { reason.contains($0) } || reason.hasPrefix("expected "),
                "a row-only rejection naming no column: \(reason)")
    case (.trip, .rejected(let reason)):
        require(false, "row-only rejected (\(reason)) what the decode beside the trip accepted: \(visible(record))")
    case (.rejected(let reason), .trip):
        require(reason.contains("Pickup Community Area"),
                "row-only accepted what the decode beside the trip rejected (\(reason)): \(visible(record))")
    }
}
