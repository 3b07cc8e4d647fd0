// fuzz-modules: TripCore TripParsing
// fuzz-max-len: 2048
import TripCore
import TripParsing

// The CSV trip decoder on arbitrary records: each record gives exactly one outcome, a trip or a rejection
// with a reason (read = processed + rejected); the event-time sort key agrees with the decoded trip; and a
// decoded trip re-encoded as the ingest JSON (TripJSONEncoder) decodes (JSONTripDecoder) to the same trip.
// Input: 1 byte choosing the time zone, then CSV records under a fixed portal-style header.

let header = CSVHeader(names: ["Trip ID", "Trip Start Timestamp", "Fare", "Tips", "Trip Total",
                               "Pickup Community Area", "Pickup Centroid Location"])
let zones = [ZoneRules(identifier: "America/Chicago")!, ZoneRules.utc]
var tokenizer = CSVTokenizer()
var encoder = TripJSONEncoder(header: header)
var locations = StringInterner()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTripDecoder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let zone = zones[Int(input.byte()) % zones.count]
    var csv = try! TripDecoder(header: header, timeColumn: .tripStart, zone: zone)
    var json = JSONTripDecoder(timeColumn: .tripStart, zone: zone)
    if locations.count > 10_000 { locations = StringInterner() }
    let body = Array(input.rest)
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
            switch csv.decode(record, fields: fields, locations: &locations) {
            case .rejected(let reason):
                rejected += 1
                require(!reason.isEmpty, "a rejection without a reason: \(visible(record))")
            case .trip(let trip):
                processed += 1
                require(key == trip.eventTime, "sort key \(String(describing: key)) but trip time \(trip.eventTime)")
                require(csv.decode(record, fields: fields, locations: &locations, knownEventTime: key) == .trip(trip),
                        "decoding with the known event time differs: \(visible(record))")
                encoder.encode(record, fields: fields, eventTimestamp: nil)
                let again = encoder.bytes.withUnsafeBytes {
                    json.decode($0, kafkaTimestampMs: 0, locations: &locations)
                }
                require(again == .trip(trip), "CSV \(visible(record)) gave \(trip); its JSON "
                        + "\(visible(encoder.bytes)) gave \(again)")
            }
            start = next
        }
    }
    require(read == processed + rejected, "read \(read) ≠ processed \(processed) + rejected \(rejected)")
    return 0
}
