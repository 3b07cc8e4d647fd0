// fuzz-modules: TripCore TripParsing TripSources
// fuzz-max-len: 4096
import TripCore
import TripParsing
import TripSources

// The Kafka JSON message decoder (`tripstream run`'s MessageDecoder) on arbitrary bytes: every message is a
// trip or a rejection with a reason, never a crash; and a decoded trip written back as a JSON message (its
// time as ISO 8601 UTC, money as dollars, the location as a JSON string) decodes to the same trip.
// Input: 1 byte choosing the time column and zone, then the message.

let columns: [TimeColumn] = [.tripStart, .eventTimestamp, .kafkaTimestamp]
var locations = StringInterner()
let messageTimestamp: Int64 = 1_429_315_200_000

/// The one outcome of a JSON message (a JSON message is one record).
func decodeOne(_ decoder: inout MessageDecoder, _ message: [UInt8]) -> DecodeOutcome {
    var outcomes: [DecodeOutcome] = []
    message.withUnsafeBytes { decoder.decodeEach($0, timestampMs: messageTimestamp, locations: &locations) { outcomes.append($1) } }
    require(outcomes.count == 1, "a JSON message gave \(outcomes.count) outcomes: \(visible(message))")
    return outcomes[0]
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
