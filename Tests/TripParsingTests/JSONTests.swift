import Testing
import TripCore
@testable import TripParsing

@Suite struct JSONTests {
    func encode(_ header: String, _ row: String, eventTimestamp: String? = nil) throws -> String {
        let names = try tokenize(header)[0].get()
        var encoder = TripJSONEncoder(header: CSVHeader(names: names))
        var tokenizer = CSVTokenizer()
        let bytes = Array(row.utf8)
        bytes.withUnsafeBytes { buf in
            guard case .record(let end, _) = tokenizer.scan(buf, from: 0, atEOF: true) else { return }
            encoder.encode(UnsafeRawBufferPointer(rebasing: buf[0..<end]), fields: tokenizer.fields, eventTimestamp: eventTimestamp)
        }
        return String(decoding: encoder.bytes, as: UTF8.self)
    }

    func decode(_ json: String, time: TimeColumn = .tripStart, kafkaTimestamp: Int64 = 0) -> (DecodeOutcome, StringInterner) {
        var decoder = JSONTripDecoder(timeColumn: time, zone: chicago)
        var locations = StringInterner()
        let outcome = Array(json.utf8).withUnsafeBytes { decoder.decode($0, kafkaTimestampMs: kafkaTimestamp, locations: &locations) }
        return (outcome, locations)
    }

    @Test func encodesTheOriginalFieldNamesAndTypes() throws {
        let json = try encode("Trip ID,Trip Start Timestamp,Fare,Tips,Company,Pickup Community Area,Dropoff Centroid  Location,Trip Miles",
                              "abc,04/18/2015 12:00:00 AM,$7.65,,\"Taxicab Insurance Agency, LLC\",32.0,\"POINT (\"\"x\"\")\",007",
                              eventTimestamp: "2015-04-18T05:00:00Z")
        #expect(json == #"{"trip_id":"abc","trip_start_timestamp":"04/18/2015 12:00:00 AM","fare":7.65,"tips":null,"# +
                #""company":"Taxicab Insurance Agency, LLC","pickup_community_area":32.0,"dropoff_centroid_location":"POINT (\"x\")","# +
                #""trip_miles":"007","event_timestamp":"2015-04-18T05:00:00Z"}"#)
    }

    @Test func plainNumbers() {
        func n(_ s: String) -> String? {
            Array(s.utf8).withUnsafeBytes { TripJSONEncoder.plainNumber($0).map { String(decoding: $0, as: UTF8.self) } }
        }
        #expect(n("$1,234.50") == "1234.50")
        #expect(n("-$3") == "-3")
        #expect(n("$-3.5") == "-3.5")
        #expect(n("0.5") == "0.5")
        #expect(n("17031832000") == "17031832000")
        #expect(n("1.") == nil && n("abc") == nil && n("1.2.3") == nil && n("00") == nil)
    }

    /// A real portal row through CSV → JSON → trip equals the CSV decoder's trip.
    @Test func jsonRoundTripMatchesTheCSVDecoder() throws {
        let header = TripDecoderTests.portalHeader, row = TripDecoderTests.portalRow
        let json = try encode(header, row)
        let (viaJSON, jsonLocations) = decode(json)
        let (viaCSV, csvLocations) = try decodeRow(header, row)
        #expect(viaJSON == viaCSV)
        #expect(jsonLocations == csvLocations)
    }

    @Test func acceptsNumbersStringsAndTimestampStyles() {
        let (a, _) = decode(#"{"trip_start_timestamp":"2015-04-18 00:15:00.123456","fare":"$7.65","tips":1.5,"trip_total":null,"pickup_community_area":"8"}"#)
        #expect(a == .trip(Trip(eventTime: utc(2015, 4, 18, 5, 15) + 123, fareCents: 765, tipsCents: 150, communityArea: 8)))
        let (b, _) = decode(#"{ "trip_start_timestamp" : 1429333200 , "fare" : 7 }"#)
        #expect(b == .trip(Trip(eventTime: 1_429_333_200_000, fareCents: 700)))
        let (c, _) = decode(#"{"fare":1}"#, time: .ingest, kafkaTimestamp: 42)
        #expect(c == .trip(Trip(eventTime: 42, fareCents: 100)))
        let (d, locations) = decode(#"{"trip_start_timestamp":"2015-04-18T05:00:00Z","pickup_centroid_location":"POINT (\"q\\\"\u0041)"}"#)
        guard case .trip(let t) = d else { Issue.record("rejected: \(d)"); return }
        #expect(locations.string(t.pickupLocation!) == #"POINT ("q\"A)"#)
    }

    @Test func badMessagesSayWhy() {
        #expect(decode("[1,2]").0 == .rejected("not a JSON object"))
        #expect(decode(#"{"fare":1"#).0 == .rejected("malformed JSON: truncated"))
        #expect(decode(#"{"fare":1,}"#).0 == .rejected("malformed JSON at byte 10: expected a key"))
        #expect(decode(#"{"fare":1}"#).0 == .rejected("missing trip_start_timestamp (the event time)"))
        #expect(decode(#"{"trip_start_timestamp":"soon"}"#).0
                == .rejected("bad trip_start_timestamp \"soon\": expected MM/DD/YYYY hh:mm:ss AM|PM, ISO 8601 or Unix seconds"))
        #expect(decode(#"{"trip_start_timestamp":1429333200,"fare":"7.6x"}"#).0 == .rejected("non-numeric fare \"7.6x\""))
        #expect(decode(#"{"trip_start_timestamp":1429333200,"x":{"y":1}}"#).0 == .rejected("nested JSON values are not trip fields (byte 39)"))
    }
    /// Escapes at every position of long strings (the string scan reads eight bytes at a time), in a wanted
    /// value and in skipped keys and values before it.
    @Test func escapesAtEveryPositionOfLongStrings() {
        for k in 0..<40 {
            let plain = String(repeating: "x", count: k) + #"\"q\\"# + String(repeating: "y", count: 40 - k)
            let expected = String(repeating: "x", count: k) + #""q\"# + String(repeating: "y", count: 40 - k)
            let json = #"{"taxi_id":""# + plain + #"","trip_start_timestamp":1429333200,"pickup_centroid_location":""# + plain + #""}"#
            let (outcome, locations) = decode(json)
            guard case .trip(let t) = outcome, let id = t.pickupLocation else { Issue.record("k \(k): \(outcome)"); continue }
            #expect(locations.string(id) == expected, "escape at \(k)")
            #expect(t.eventTime == 1_429_333_200_000)
        }
        #expect(decode(#"{"trip_start_timestamp":1429333200,"taxi_id":"abcdefghijklmnop\"#).0
                == .rejected("malformed JSON at byte 63: unterminated string"))  // the end
    }

    /// A location with a bad escape is rejected with the escape named, never interned as "" or cut short.
    @Test func badEscapesInALocationAreRejected() {
        func location(_ escaped: String) -> DecodeOutcome {
            decode(#"{"trip_start_timestamp":1429333200,"pickup_centroid_location":""# + escaped + #""}"#).0
        }
        #expect(location(#"\u00zz"#) == .rejected(#"bad escape \u00zz in pickup_centroid_location"#))
        #expect(location(#"POINT \u12"#) == .rejected(#"bad escape \u12 in pickup_centroid_location"#))
        #expect(location(#"\q"#) == .rejected(#"bad escape \q in pickup_centroid_location"#))
        #expect(location(#"\udc00x"#) == .rejected(#"bad escape \udc00 in pickup_centroid_location"#))
        #expect(location(#"\ud83dx"#) == .rejected(#"bad escape \ud83d in pickup_centroid_location"#))
        let (outcome, locations) = decode(#"{"trip_start_timestamp":1429333200,"pickup_centroid_location":"\ud83d\ude95 \u00e9"}"#)
        guard case .trip(let t) = outcome, let id = t.pickupLocation else { Issue.record("\(outcome)"); return }
        #expect(locations.string(id) == "\u{1F695} \u{E9}")
    }

    /// A location is trimmed after unescaping: an escaped space at an end goes as a plain one does.
    @Test func locationsAreTrimmedAfterUnescaping() {
        for raw in [#" POINT (1 2)\t"#, #"\u0020POINT (1 2)\u0009"#, #"\t POINT (1 2) "#] {
            let (outcome, locations) = decode(#"{"trip_start_timestamp":1429333200,"pickup_centroid_location":""# + raw + #""}"#)
            guard case .trip(let t) = outcome, let id = t.pickupLocation else { Issue.record("\(raw): \(outcome)"); continue }
            #expect(locations.string(id) == "POINT (1 2)", "\(raw)")
        }
        let (outcome, _) = decode(#"{"trip_start_timestamp":1429333200,"pickup_centroid_location":"\u0020"}"#)
        guard case .trip(let t) = outcome else { Issue.record("\(outcome)"); return }
        #expect(t.pickupLocation == nil, "an escaped space alone is an empty location")
    }

    /// `run` reads a message's cut time on arrival without decoding it whole: the time field's value, the object
    /// read only up to it; what comes after cannot change it, and without a usable time field there is none.
    @Test func theCutTimeIsTheTimeFieldReadUpToIt() {
        func cut(_ json: String, time: TimeColumn = .tripStart) -> EventTime? {
            Array(json.utf8).withUnsafeBytes {
                JSONTripDecoder(timeColumn: time, zone: chicago).cutTime($0, kafkaTimestampMs: 42, ingestTimeMs: 7)
            }
        }
        let good = #"{"trip_id":"a","trip_start_timestamp":"04/18/2015 12:00:00 AM","fare":7.65}"#
        guard case (.trip(let trip), _) = decode(good) else { Issue.record("the message is a trip"); return }
        #expect(cut(good) == trip.eventTime)
        #expect(cut(#"{"trip_start_timestamp":"04/18/2015 12:00:00 AM","fare":"#) == trip.eventTime)  // truncated after
        #expect(cut(#"{"trip_id":"a","fare":7.65}"#) == nil)
        #expect(cut(#"{"trip_id":"a","trip_start_timestamp":null}"#) == nil)
        #expect(cut(#"{"trip_id":"a","trip_start_timestamp":"soon"}"#) == nil)
        #expect(cut(#"{"trip_id" "a","trip_start_timestamp":"04/18/2015 12:00:00 AM"}"#) == nil)  // malformed before it
        #expect(cut(good, time: .kafkaTimestamp) == 42)
        #expect(cut("not json", time: .ingest) == 7)
    }
}
