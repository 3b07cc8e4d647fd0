import Foundation
import Testing
import TripCore
import TripFixtures
@testable import TripParsing

/// The decoders fill a `QueryRow` with a `RowLayout`'s columns, checked against an independent parse of the
/// same text (`Truth`: Foundation's Decimal and date formatters).
@Suite struct QueryRowDecodingTests {
    static let dataDirectory = "/work/shared/data/"
    static let portalFiles = ["chicago_taxi_portal_jacobceles_42rows.csv", "chicago_taxi_portal_porterjenkins_31rows.csv"]
    static let chicagoZone = TimeZone(identifier: "America/Chicago")!
    static let paymentLiterals = ["Cash", "Credit Card"]

    /// Every column of the real portal rows: each record decodes, and each value is the independent parse.
    @Test(arguments: portalFiles)
    func realPortalRowsMatchAnIndependentParse(file: String) throws {
        let text = try String(contentsOfFile: Self.dataDirectory + file, encoding: .utf8)
        let layout = everyColumnLayout(literals: [.paymentType: Self.paymentLiterals])
        var texts = StringInterner()
        let records = try decodeCSV(text, layout: layout, zone: chicago, texts: &texts)
        let header = CSVHeader(names: try tokenize(text)[0].get())
        #expect(records.count > 20)
        var cash = 0, otherPayment = 0
        for r in records {
            guard case .trip = r.outcome else { Issue.record("rejected: \(r.outcome)"); continue }
            expectRow(r.row, fields: r.fields, header: header, layout: layout, texts: texts, zone: Self.chicagoZone)
            #expect(r.row[.kafkaTimestamp] == nil && r.row[.ingestTime] == 7)
            if r.row[.paymentType] == 0 { cash += 1 }
            if r.row[.paymentType] == -1 { otherPayment += 1 }
        }
        #expect(cash + otherPayment > 0)
        // Decoded again into a new interner: the same ids, in first-seen order.
        var again = StringInterner()
        let second = try decodeCSV(text, layout: layout, zone: chicago, texts: &again)
        #expect(zip(second, records).allSatisfy { $0.row == $1.row } && second.count == records.count)
        #expect(again == texts)
    }

    /// The same portal rows as the ingest JSON `produce` writes (`TripJSONEncoder`) give the same row.
    @Test(arguments: portalFiles)
    func portalRowsAsJSONGiveTheSameRow(file: String) throws {
        let text = try String(contentsOfFile: Self.dataDirectory + file, encoding: .utf8)
        let layout = everyColumnLayout(literals: [.paymentType: Self.paymentLiterals])
        var csvTexts = StringInterner(), jsonTexts = StringInterner(), locations = StringInterner()
        let records = try decodeCSV(text, layout: layout, zone: chicago, texts: &csvTexts)
        var json = JSONTripDecoder(timeColumn: .tripStart, zone: chicago, layout: layout)
        for r in records {
            let outcome = r.json.withUnsafeBytes {
                json.decode($0, kafkaTimestampMs: 99, ingestTimeMs: 7, locations: &locations, texts: &jsonTexts)
            }
            #expect(outcome.isTrip == r.outcome.isTrip, "\(String(decoding: r.json, as: UTF8.self)): \(outcome)")
            var expected = r.row
            expected[.kafkaTimestamp] = 99
            #expect(json.row == expected, "\(String(decoding: r.json, as: UTF8.self))")
        }
        #expect(jsonTexts == csvTexts)
    }

    /// Generated rows in every format the parsers accept (money signs, separators, zero fractions, more
    /// decimals than the scale, ISO and portal times, quoted text with quotes and commas, empty fields):
    /// CSV and its JSON give the independent parse.
    @Test func generatedRowsInEveryFormat() throws {
        var random = SplitMix64(seed: 16)
        let columns = TripColumn.allCases.filter { !$0.isPseudo }
        var lines = [columns.map(\.name).joined(separator: ",")]
        for _ in 0..<400 {
            lines.append(columns.map { column in
                // The built-in hotspot reads this column: keep to the values it accepts.
                column == .pickupCommunityArea ? ["", "8", "77.0", " 32 "][Int(random.next() % 4)]
                    : Self.field(for: column.type, &random)
            }.joined(separator: ","))
        }
        let text = lines.joined(separator: "\n")
        let layout = everyColumnLayout(literals: [.paymentType: ["a", "b\"q", "x, y"], .company: []])
        var texts = StringInterner(), jsonTexts = StringInterner(), locations = StringInterner()
        let records = try decodeCSV(text, layout: layout, zone: .utc, texts: &texts)
        let header = CSVHeader(names: columns.map(\.name))
        var json = JSONTripDecoder(timeColumn: .tripStart, zone: .utc, layout: layout)
        var trips = 0
        for r in records {
            let jsonOutcome = r.json.withUnsafeBytes {
                json.decode($0, kafkaTimestampMs: 5, ingestTimeMs: 7, locations: &locations, texts: &jsonTexts)
            }
            guard case .trip = r.outcome else {
                // Rejected only for a missing event time, as the built-ins reject it.
                #expect(r.outcome == .rejected("missing trip_start_timestamp (the event time)"), "\(r.fields)")
                #expect(r.row.present == 0)
                #expect(jsonOutcome.isTrip == false)
                continue
            }
            trips += 1
            expectRow(r.row, fields: r.fields, header: header, layout: layout, texts: texts, zone: TimeZone(identifier: "UTC")!)
            var expected = r.row
            expected[.kafkaTimestamp] = 5
            #expect(json.row == expected, "\(String(decoding: r.json, as: UTF8.self))")
        }
        #expect(trips > 300)
        #expect(texts == jsonTexts)
    }

    /// The decode without the `Trip`'s fields (the built-ins' own parse, which the row's replaces once they run
    /// as SQL) reads the same rows, interns the same texts and rejects the same records with the same reasons;
    /// its trips carry the event time alone. CSV, and the records' ingest JSON. Generated rows in every format (with missing event times, empty
    /// fields, quoted text, `ingest_time` read from the clock) and the real portal rows.
    @Test func withoutTheTripFieldsTheRowsAndRejectionsAreTheSame() throws {
        var random = SplitMix64(seed: 61)
        let columns = TripColumn.allCases.filter { !$0.isPseudo }
        // Spelled as the portal's header (`Pickup Community Area`): rejections name the column that way.
        var lines = [columns.map { $0.name.split(separator: "_").map(\.capitalized).joined(separator: " ") }
            .joined(separator: ",")]
        for _ in 0..<300 {
            // At most one bad value per row: the two decodes check columns in different orders.
            let bad = random.next() % 20
            lines.append(columns.map { column in
                if column == .pickupCommunityArea { return bad == 0 ? "x" : ["", "8", "77.0"][Int(random.next() % 3)] }
                if column == .fare && bad == 1 { return "12..5" }
                return Self.field(for: column.type, &random)
            }.joined(separator: ","))
        }
        var texts = [lines.joined(separator: "\n")]
        for file in Self.portalFiles { texts.append(try String(contentsOfFile: Self.dataDirectory + file, encoding: .utf8)) }
        let layout = everyColumnLayout(literals: [.paymentType: ["a", "Cash"]])
        for text in texts {
            var withTrip = StringInterner(), rowOnly = StringInterner()
            let a = try decodeCSV(text, layout: layout, zone: chicago, texts: &withTrip)
            let b = try decodeCSV(text, layout: layout, zone: chicago, texts: &rowOnly, parsesTripFields: false)
            #expect(a.count == b.count && a.count > 20)
            var rejected = 0
            for (x, y) in zip(a, b) {
                switch (x.outcome, y.outcome) {
                case (.trip(let t), .trip(let u)):
                    #expect(t.eventTime == u.eventTime && u == Trip(eventTime: t.eventTime))
                case (.rejected(let r), .rejected(let s)):
                    #expect(r == s)
                    rejected += 1
                default:
                    Issue.record("\(x.fields): \(x.outcome) against \(y.outcome)")
                }
                #expect(x.row == y.row)
            }
            #expect(withTrip == rowOnly)
            // The same records as the ingest JSON, through the JSON decoder with and without the `Trip`'s fields.
            var json = JSONTripDecoder(timeColumn: .tripStart, zone: chicago, layout: layout)
            var jsonRowOnly = JSONTripDecoder(timeColumn: .tripStart, zone: chicago, layout: layout, parsesTripFields: false)
            var locations = StringInterner(), jsonTexts = StringInterner(), jsonRowOnlyTexts = StringInterner()
            var jsonRejected = 0
            for r in a {
                let x = r.json.withUnsafeBytes {
                    json.decode($0, kafkaTimestampMs: 3, ingestTimeMs: 7, locations: &locations, texts: &jsonTexts)
                }
                let y = r.json.withUnsafeBytes {
                    jsonRowOnly.decode($0, kafkaTimestampMs: 3, ingestTimeMs: 7, locations: &locations, texts: &jsonRowOnlyTexts)
                }
                switch (x, y) {
                case (.trip(let t), .trip(let u)): #expect(u == Trip(eventTime: t.eventTime))
                case (.rejected(let p), .rejected(let q)):
                    #expect(p == q)
                    jsonRejected += 1
                default: Issue.record("\(String(decoding: r.json, as: UTF8.self)): \(x) against \(y)")
                }
                #expect(json.row == jsonRowOnly.row)
            }
            #expect(jsonTexts == jsonRowOnlyTexts && jsonRejected == a.filter { !$0.outcome.isTrip }.count)
            if text == texts[0] {
                #expect(rejected > 10 && rejected < 150)
                #expect(b.contains { $0.outcome == .rejected(#"non-integer Pickup Community Area "x""#) })
                #expect(b.contains { $0.outcome == .rejected(#"non-numeric Fare "12..5""#) })
            }
        }
    }

    /// A random field of a type, in one of the forms a portal export or a producer may write.
    static func field(for type: ValueType, _ random: inout SplitMix64) -> String {
        func pick(_ n: Int) -> Int { Int(random.next() % UInt64(n)) }
        if pick(12) == 0 { return "" }
        func digits(_ n: Int) -> String { String((0..<n).map { _ in Character(String(pick(10))) }) }
        let sign = ["", "", "-", "+"][pick(4)]
        switch type {
        case .integer:
            let n = String(Int64(random.next() % 100_000_000_000))
            switch pick(5) {
            case 0: return sign + n + ".0"
            case 1: return "$" + n
            case 2: return "\"\(Int(n)! / 1000),\(String(Int(n)! % 1000 + 1000).dropFirst())\""
            case 3: return " \(n) "
            default: return sign + n
            }
        case .decimal(let scale):
            let units = digits(1 + pick(scale == 9 ? 3 : 7))
            let fraction = digits(pick(scale + 4))
            let number = fraction.isEmpty ? units : units + "." + fraction
            return pick(3) == 0 ? "$" + number : sign + number
        case .timestamp:
            let seconds = Int64(pick(1_000_000_000)) + 1_000_000_000
            let date = Date(timeIntervalSince1970: Double(seconds))
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = pick(2) == 0 ? "MM/dd/yyyy hh:mm:ss a" : "yyyy-MM-dd'T'HH:mm:ss'Z'"
            return f.string(from: date)
        default:
            let words = ["a", "b\"q", "x, y", " padded ", "POINT (-87.6 41.9)", "Ünïcode", digits(3)]
            let s = words[pick(words.count)]
            return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
    }

    /// A column the header lacks, and an empty field, are NULL; `ingest_time` is the decoder's clock, and
    /// `kafka_timestamp` is NULL in a replay.
    @Test func absentColumnsAndEmptyFieldsAreNull() throws {
        let layout = everyColumnLayout()
        var texts = StringInterner()
        let records = try decodeCSV("Trip Start Timestamp,Fare,Company,Trip Seconds\n04/18/2015 12:00:00 AM,,  ,\n",
                                    layout: layout, zone: chicago, texts: &texts, now: 1234)
        #expect(records.count == 1)
        var expected = QueryRow()
        expected[.tripStartTimestamp] = utc(2015, 4, 18, 5)
        expected[.ingestTime] = 1234
        #expect(records.first?.row == expected)
        #expect(texts.count == 0)
        let decoder = try TripDecoder(header: CSVHeader(names: ["Trip Start Timestamp", "Fare"]), timeColumn: .tripStart,
                                      zone: chicago, layout: layout)
        #expect(decoder.absentColumns.contains("trip_miles") && decoder.absentColumns.contains("tips"))
        #expect(!decoder.absentColumns.contains("ingest_time"))
        #expect(Set(decoder.absentColumns).count == decoder.absentColumns.count)
    }

    /// A value that does not parse rejects the record, naming the column and quoting the value; with or
    /// without the `Trip`'s fields parsed beside the row.
    @Test(arguments: [true, false])
    func badValuesAreRejectedWithTheColumnAndValue(parsesTripFields: Bool) throws {
        let layout = everyColumnLayout()
        func reason(_ column: String, _ value: String) throws -> DecodeOutcome {
            var texts = StringInterner()
            let records = try decodeCSV("trip_start_timestamp,\(column)\n04/18/2015 12:00:00 AM,\(value)\n",
                                        layout: layout, zone: chicago, texts: &texts,
                                        parsesTripFields: parsesTripFields)
            #expect(records.first?.row.present == 0)
            return records.first?.outcome ?? .rejected("no record")
        }
        #expect(try reason("trip_seconds", "1.5") == .rejected("non-integer trip_seconds \"1.5\""))
        #expect(try reason("trip_seconds", "12a") == .rejected("non-integer trip_seconds \"12a\""))
        #expect(try reason("pickup_census_tract", "1234567890123456789") == .rejected("non-integer pickup_census_tract \"1234567890123456789\""))
        #expect(try reason("trip_miles", "abc") == .rejected("non-numeric trip_miles \"abc\""))
        #expect(try reason("pickup_centroid_latitude", "41.8.8") == .rejected("non-numeric pickup_centroid_latitude \"41.8.8\""))
        #expect(try reason("dropoff_centroid_longitude", "1234567890.5") == .rejected("non-numeric dropoff_centroid_longitude \"1234567890.5\""))
        #expect(try reason("trip_end_timestamp", "soon") == .rejected(
            "bad trip_end_timestamp \"soon\": expected MM/DD/YYYY hh:mm:ss AM|PM, ISO 8601 or Unix seconds"))
        #expect(try reason("trip_end_timestamp", "13/01/2015 1:00") == .rejected("bad trip_end_timestamp \"13/01/2015 1:00\": month 13 out of range"))
        let long = String(repeating: "x", count: 100)
        guard case .rejected(let message) = try reason("tolls", long) else { Issue.record("accepted"); return }
        #expect(message.hasPrefix("non-numeric tolls \"" + String(repeating: "x", count: 40) + "…"))
        #expect(message.count < 80)
        // A rejected record interns none of its texts, not even those of columns before the bad one.
        var texts = StringInterner()
        let rejected = try decodeCSV("trip_start_timestamp,taxi_id,trip_seconds\n04/18/2015 12:00:00 AM,t1,1.5\n",
                                     layout: layout, zone: chicago, texts: &texts, parsesTripFields: parsesTripFields)
        #expect(rejected.first?.outcome == .rejected("non-integer trip_seconds \"1.5\"") && texts.count == 0)
        // Only the layout's columns are parsed: the same bad value in a column no query reads is accepted.
        var narrow = RowLayout()
        narrow.columns = [.fare]
        let records = try decodeCSV("trip_start_timestamp,trip_miles,fare\n04/18/2015 12:00:00 AM,abc,1\n",
                                    layout: narrow, zone: chicago, texts: &texts, parsesTripFields: parsesTripFields)
        #expect(records.first?.outcome.isTrip == true && records.first?.row[.fare] == 100)
    }

    /// JSON: numbers or numeric strings, escapes in text, null and "" as NULL, a bad escape rejected.
    @Test func jsonValuesAndEscapes() {
        let layout = everyColumnLayout(literals: [.paymentType: ["Cash", "Crédit"]])
        var decoder = JSONTripDecoder(timeColumn: .eventTimestamp, zone: chicago, layout: layout)
        var texts = StringInterner(), locations = StringInterner()
        func decode(_ json: String) -> DecodeOutcome {
            Array(json.utf8).withUnsafeBytes {
                decoder.decode($0, kafkaTimestampMs: 11, ingestTimeMs: 22, locations: &locations, texts: &texts)
            }
        }
        let outcome = decode(#"{"event_timestamp":"2015-04-18T05:00:00Z","trip_seconds":"1,080.00","trip_miles":"$2.1","#
            + #""pickup_centroid_latitude":41.9462945357,"company":" Flash \"Cab\"\t ","payment_type":"Cr\u00e9dit","#
            + #""taxi_id":null,"trip_id":"","tolls":null,"trip_end_timestamp":1429333200}"#)
        #expect(outcome.isTrip)
        var expected = QueryRow()
        expected[.eventTimestamp] = utc(2015, 4, 18, 5)
        expected[.tripSeconds] = 1080
        expected[.tripMiles] = 210
        expected[.pickupCentroidLatitude] = 41_946_294_536  // the tenth decimal rounds
        expected[.company] = 0
        expected[.paymentType] = 1
        expected[.tripEndTimestamp] = 1_429_333_200_000
        expected[.kafkaTimestamp] = 11
        expected[.ingestTime] = 22
        #expect(decoder.row == expected)
        #expect(texts.strings == ["Flash \"Cab\""])
        // fare (an earlier column) was filled before the bad escape: the row is cleared all the same.
        #expect(decode(#"{"event_timestamp":1429333200,"fare":1,"company":"a\qb"}"#) == .rejected(#"bad escape \q in company"#))
        #expect(decoder.row.present == 0)
        #expect(decode(#"{"event_timestamp":1429333200,"trip_seconds":true}"#) == .rejected(#"non-integer trip_seconds "true""#))
        // Built-in rejections come first, with today's reasons.
        #expect(decode(#"{"trip_seconds":1}"#) == .rejected("missing event_timestamp (the event time)"))
        // A rejected message interns none of its texts: not for a bad value in a column after them, nor for a
        // bad escape in a later text than a good one.
        #expect(decode(#"{"event_timestamp":1429333200,"taxi_id":"t1","trip_seconds":"1.5"}"#)
            == .rejected(#"non-integer trip_seconds "1.5""#))
        #expect(decode(#"{"event_timestamp":1429333200,"taxi_id":"t\"2","company":"a\qb"}"#)
            == .rejected(#"bad escape \q in company"#))
        #expect(texts.strings == ["Flash \"Cab\""])
    }

    /// With an empty layout the new overloads decode as the old ones and leave the row empty.
    @Test(arguments: portalFiles)
    func anEmptyLayoutChangesNothing(file: String) throws {
        let bytes = Array(try String(contentsOfFile: Self.dataDirectory + file, encoding: .utf8).utf8)
        var tokenizer = CSVTokenizer()
        var old: TripDecoder?, new: TripDecoder?
        var encoder: TripJSONEncoder?
        var json = JSONTripDecoder(timeColumn: .tripStart, zone: chicago)
        var oldLocations = StringInterner(), newLocations = StringInterner(), texts = StringInterner()
        var records = 0
        try bytes.withUnsafeBytes { buf in
            var i = 0
            while case .record(let end, let next) = tokenizer.scan(buf, from: i, atEOF: true) {
                let record = UnsafeRawBufferPointer(rebasing: buf[i..<end])
                let fields = tokenizer.fields
                i = next
                guard var o = old, var n = new, var e = encoder else {
                    let header = CSVHeader(names: fields.map { $0.string(in: record) })
                    old = try TripDecoder(header: header, timeColumn: .tripStart, zone: chicago)
                    new = try TripDecoder(header: header, timeColumn: .tripStart, zone: chicago, layout: RowLayout())
                    encoder = TripJSONEncoder(header: header)
                    continue
                }
                records += 1
                let expected = o.decode(record, fields: fields, locations: &oldLocations)
                #expect(n.decode(record, fields: fields, locations: &newLocations, texts: &texts) == expected)
                #expect(n.row.present == 0)
                e.encode(record, fields: fields, eventTimestamp: nil)
                let viaNew = e.bytes.withUnsafeBytes {
                    json.decode($0, kafkaTimestampMs: 1, ingestTimeMs: 2, locations: &newLocations, texts: &texts)
                }
                let viaOld = e.bytes.withUnsafeBytes { json.decode($0, kafkaTimestampMs: 1, locations: &oldLocations) }
                #expect(viaNew == viaOld && json.row.present == 0)
                (old, new, encoder) = (o, n, e)
            }
        }
        #expect(records > 20)
        #expect(texts.count == 0 && newLocations == oldLocations)
    }

    /// The fixed-point parsers against Foundation's Decimal on generated numbers of every form.
    @Test func fixedPointMatchesDecimal() {
        var random = SplitMix64(seed: 9)
        for _ in 0..<20_000 {
            for scale in [0, 2, 9] {
                let type: ValueType = scale == 0 ? .integer : .decimal(scale: scale)
                let text = Self.field(for: type, &random).replacingOccurrences(of: "\"", with: "")
                let bytes = Array(text.utf8)
                // nil: rejected; .some(nil): NULL (`try?` would flatten the two).
                let parsed: Int64?? = bytes.withUnsafeBytes { p in
                    do { return .some(scale == 0 ? try FieldParsers.wholeNumber(p) : try FieldParsers.fixedPoint(p, scale: scale)) }
                    catch { return nil }
                }
                switch Truth(text, type: type, zone: TimeZone(identifier: "UTC")!) {
                case .number(let n): #expect(parsed == .some(n), "\(text) at scale \(scale)")
                case .null: #expect(parsed == .some(nil), "\(text)")
                default: #expect(parsed == nil, "\(text) at scale \(scale) gave \(String(describing: parsed))")
                }
            }
        }
        func whole(_ s: String) -> Result<Int64?, FieldError> {
            Array(s.utf8).withUnsafeBytes { p in Result { () throws(FieldError) in try FieldParsers.wholeNumber(p) } }
        }
        for bad in ["1.5", "1.50", "x", ".", "$", "1e3", "1..0", "12345678901234567890"] {
            #expect(whole(bad) == .failure(.notAnInteger), "\(bad)")
        }
        #expect(whole("1080.0") == .success(1080) && whole("$-5") == .success(-5) && whole("32.000") == .success(32))
        #expect(whole(" ") == .success(nil))
        func fixed9(_ s: String) -> Result<Int64?, FieldError> {
            Array(s.utf8).withUnsafeBytes { p in Result { () throws(FieldError) in try FieldParsers.fixedPoint(p, scale: 9) } }
        }
        for bad in ["41.8.8", "-", "$.", "1e3", "4 1", "1234567890.0"] {
            #expect(fixed9(bad) == .failure(.notANumber), "\(bad)")
        }
        #expect(fixed9("-87.6251921425") == .success(-87_625_192_143) && fixed9("-0.0000000004") == .success(0))
    }
}

extension DecodeOutcome {
    var isTrip: Bool { if case .trip = self { true } else { false } }
}
