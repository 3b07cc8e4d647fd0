// fuzz-modules: TripCore TripParsing TripEngine
// fuzz-sources: Sources/TripPipeline/MessageDecoder.swift Sources/TripPipeline/Clock.swift
// fuzz-max-len: 2048
import TripCore
@testable import TripParsing

// The Kafka CSV message decoder (`tripstream run --csv-header`) on arbitrary messages: one message is one
// row read, so it gives one outcome, and that outcome must account for everything in it. A message holding
// exactly one record (by the reference splitter) decodes as the trip decoder decodes that record; a message
// holding no record, or several, is rejected with a reason (the reasons of two rejections may differ) — never one row silently standing for two.
// Input: the message.

let header = CSVHeader(names: ["trip_id", "trip_start_timestamp", "fare", "tips", "trip_total",
                               "pickup_community_area", "pickup_centroid_location"])
var locations = StringInterner()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKafkaCSV(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let message = Array(UnsafeBufferPointer(start: data, count: size))
    var decoder = try! MessageDecoder(config: .chicago, csvHeader: header)
    var direct = try! TripDecoder(header: header, timeColumn: TripstreamConfig.chicago.timeColumn,
                                  zone: TripstreamConfig.chicago.timeZone)
    if locations.count > 10_000 { locations = StringInterner() }
    let outcome = message.withUnsafeBytes { decoder.decode($0, timestampMs: 0, locations: &locations) }
    let records = ReferenceSplitter.split(message, maxQuotedBytes: CSVTokenizer().maxRecordBytes)
    if records.count != 1 {
        guard case .rejected(let reason) = outcome else {
            require(false, "a message holding \(records.count) records decoded as one trip: \(visible(message))")
            return 0
        }
        require(!reason.isEmpty, "a rejection without a reason")
        return 0
    }
    let record = records[0]
    guard let fields = record.fields else {
        guard case .rejected = outcome else {
            require(false, "a malformed record decoded as a trip: \(visible(message))"); return 0
        }
        return 0
    }
    let expected: DecodeOutcome = message.withUnsafeBytes { buf in
        let bytes = UnsafeRawBufferPointer(rebasing: buf[record.start..<record.end])
        let bounds = fields.map { CSVField(start: Int32($0.start), end: Int32($0.end), escapedQuotes: $0.escapedQuotes) }
        return direct.decode(bytes, fields: bounds[...], locations: &locations)
    }
    // Both rejected: the reasons may differ (the message decoder may name what is wrong with the message).
    if case .rejected = outcome, case .rejected = expected { return 0 }
    require(outcome == expected, "message \(visible(message)) gave \(outcome), its one record \(expected)")
    return 0
}
