// fuzz-modules: TripCore TripParsing TripSources
// fuzz-max-len: 4096
import TripCore
import TripParsing
import TripSources

// The Kafka JSON message decoder (`tripstream run`'s MessageDecoder) on arbitrary bytes: every message is a
// trip or a rejection with a reason, never a crash; and a decoded trip written back as a JSON message (its
// time as ISO 8601 UTC, money as dollars, the location as a JSON string) decodes to the same trip.
// With a layout of every column (the SQL queries' QueryRow): the outcome is the same as without one, or a
// rejection naming a column; and the row written back as JSON (`jsonMessage(of:)`) decodes to the same row.
// Without the `Trip`'s fields (`parsesTripFields: false`): the same row and event time, and the same verdict
// except where the built-ins' stricter community area rejects what an integer column accepts.
// Input: 1 byte choosing the time column and zone, then the message.

let columns: [TimeColumn] = [.tripStart, .eventTimestamp, .kafkaTimestamp]
var locations = StringInterner()
var texts = StringInterner()
let messageTimestamp: Int64 = 1_429_315_200_000
let layout = everyColumnLayout()

/// The one outcome of a JSON message (a JSON message is one record).
func decodeOne(_ decoder: inout MessageDecoder, _ message: [UInt8]) -> DecodeOutcome {
    var outcomes: [DecodeOutcome] = []
    message.withUnsafeBytes { decoder.decodeEach($0, timestampMs: messageTimestamp, locations: &locations) { outcomes.append($1) } }
    require(outcomes.count == 1, "a JSON message gave \(outcomes.count) outcomes: \(visible(message))")
    return outcomes[0]
}

/// The one outcome and row of a JSON message decoded with the layout.
func decodeRow(_ decoder: inout MessageDecoder, _ message: [UInt8]) -> (DecodeOutcome, QueryRow) {
    var outcomes: [(DecodeOutcome, QueryRow)] = []
    message.withUnsafeBytes {
        decoder.decodeEach($0, timestampMs: messageTimestamp, locations: &locations, texts: &texts) { outcomes.append(($1, $2)) }
    }
    require(outcomes.count == 1, "a JSON message gave \(outcomes.count) outcomes: \(visible(message))")
    return outcomes[0]
}

/// Equal but for `ingest_time` (the wall clock, read per message), which both have.
func sameButIngest(_ a: QueryRow, _ b: QueryRow) -> Bool {
    var b = b
    b[.ingestTime] = a[.ingestTime]
    return (a == b) && a.has(.ingestTime)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKafkaJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let choice = Int(input.byte())
    var config = TripstreamConfig.chicago
    config.timeColumn = columns[choice % columns.count]
    if choice / columns.count % 2 == 1 { config.timeZone = .utc }
    var decoder = try! MessageDecoder(config: config, csvHeader: nil)
    if locations.count > 10_000 { locations = StringInterner() }
    let message = Array(input.rest)
    let outcome = decodeOne(&decoder, message)
    if texts.count > 10_000 { texts = StringInterner() }
    var rows = try! MessageDecoder(config: config, csvHeader: nil, layout: layout)
    let (withRow, row) = decodeRow(&rows, message)
    var rowOnly = try! MessageDecoder(config: config, csvHeader: nil, layout: layout, parsesTripFields: false)
    let (alone, aloneRow) = decodeRow(&rowOnly, message)
    switch (withRow, alone) {
    case (.trip(let t), .trip(let u)):
        require(u == Trip(eventTime: t.eventTime), "row-only trip \(u) against \(t): \(visible(message))")
        require(sameButIngest(row, aloneRow), "row-only row \(aloneRow.values) against \(row.values): \(visible(message))")
    case (.rejected, .rejected(let reason)):
        require(aloneRow.present == 0, "a row-only rejection left a row")
        require(!reason.isEmpty, "a row-only rejection without a reason")
    case (.trip, .rejected(let reason)):
        require(false, "row-only rejected (\(reason)) what the decode beside the trip accepted: \(visible(message))")
    case (.rejected(let reason), .trip):
        require(reason.contains("pickup_community_area"),
                "row-only accepted what the decode beside the trip rejected (\(reason)): \(visible(message))")
    }
    switch (outcome, withRow) {
    case (.rejected(let a), .rejected(let b)):
        require(a == b, "rejected as \"\(a)\" without a layout but \"\(b)\" with one: \(visible(message))")
    case (.rejected, .trip):
        require(false, "rejected without a layout but a trip with one: \(visible(message))")
    case (.trip(let t), .trip(let u)):
        require(t.pickupLocation == u.pickupLocation && t.fareCents == u.fareCents && t.tipsCents == u.tipsCents
                && t.tripTotalCents == u.tripTotalCents && t.communityArea == u.communityArea
                && (config.timeColumn == .ingest || t.eventTime == u.eventTime),
                "trip \(t) without a layout but \(u) with one: \(visible(message))")
        require(row[.kafkaTimestamp] == messageTimestamp, "kafka_timestamp \(String(describing: row[.kafkaTimestamp]))")
        if let time = TripDecoder.timeColumnName(config.timeColumn).flatMap(TripColumn.init(name:)) {
            require(row[time] == u.eventTime, "the event time \(u.eventTime) but \(time.name) \(String(describing: row[time]))")
        }
        if let again = jsonMessage(of: row, layout: layout, texts: texts) {
            let (outcome2, row2) = decodeRow(&rows, again)
            require(sameButIngest(row, row2),
                    "row \(row.values) written back as \(visible(again)) gave \(outcome2), \(row2.values)")
        }
    case (.trip, .rejected(let reason)):
        require(row.present == 0, "a rejection left a row")
        require(TripColumn.names.contains { reason.contains($0) }, "a rejection naming no column: \(reason)")
    }
    // The cut time read on arrival (the object read only up to its time field) is the event time of every
    // message the decode accepts whose object names the time key once.
    if case .trip(let t) = outcome, config.timeColumn != .ingest {
        let cut = message.withUnsafeBytes {
            JSONTripDecoder(timeColumn: config.timeColumn, zone: config.timeZone).cutTime($0, kafkaTimestampMs: messageTimestamp,
                                                                                         ingestTimeMs: 0)
        }
        let key = TripDecoder.timeColumnName(config.timeColumn).map { Array("\"\($0)\"".utf8) }
        let once = key.map { k in (0...max(0, message.count - k.count)).filter { message.count >= k.count && Array(message[$0..<$0 + k.count]) == k }.count == 1 } ?? true
        if once { require(cut == t.eventTime, "cut time \(String(describing: cut)) but event time \(t.eventTime): \(visible(message))") }
    }
    guard case .trip(let trip) = outcome else {
        if case .rejected(let reason) = outcome { require(!reason.isEmpty, "a rejection without a reason") }
        return 0
    }
    var fields: [String] = []
    if let key = TripDecoder.timeColumnName(config.timeColumn) {
        guard let time = TripText.isoMilliseconds(trip.eventTime) else { return 0 }
        fields.append("\"\(key)\": \"\(time)\"")
    } else {
        require(trip.eventTime == messageTimestamp, "time column \(config.timeColumn) but event time \(trip.eventTime)")
    }
    if let cents = trip.fareCents { fields.append("\"fare\": \(TripText.dollars(cents))") }
    if let cents = trip.tipsCents { fields.append("\"tips\": \"$\(TripText.dollars(cents))\"") }
    if let cents = trip.tripTotalCents { fields.append("\"trip_total\": \(TripText.dollars(cents))") }
    if let area = trip.communityArea { fields.append("\"pickup_community_area\": \(area)") }
    var again = Array(("{" + fields.joined(separator: ", ")).utf8)
    if let id = trip.pickupLocation {
        let bytes = locations.withBytes(of: id) { Array($0) }
        again += Array("\(fields.isEmpty ? "" : ", ")\"pickup_centroid_location\": ".utf8) + TripText.jsonString(bytes)
    }
    again.append(0x7D)
    let outcome2 = decodeOne(&decoder, again)
    require(outcome2 == .trip(trip), "message \(visible(message)) gave \(trip); written back as \(visible(again)) it gave \(outcome2)")
    return 0
}
