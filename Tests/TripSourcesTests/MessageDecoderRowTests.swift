import Foundation
import Testing
import TripCore
import TripParsing
import TripSources

/// `MessageDecoder` gives each record's `QueryRow`: a Kafka CSV line, its ingest JSON, and the replay's CSV
/// decoder agree on every column, the pseudo-columns coming from the message and the clock.
@Suite struct MessageDecoderRowTests {
    static let portalFile = "/work/shared/data/chicago_taxi_portal_porterjenkins_31rows.csv"
    static let messageTime: Int64 = 1_429_315_200_000

    static func everyColumn() -> RowLayout {
        var layout = RowLayout()
        layout.columns = TripColumn.allCases
        for c in layout.columns where c.type == .text {
            layout.textCoding[c] = c == .paymentType ? .literals(["Cash", "Credit Card"]) : .interned
        }
        return layout
    }

    /// The portal file's header, and each record's bytes (line end excluded).
    static func portalRecords() throws -> (CSVHeader, [[UInt8]]) {
        let bytes = Array(try String(contentsOfFile: portalFile, encoding: .utf8).utf8)
        var tokenizer = CSVTokenizer()
        var header: CSVHeader?
        var records: [[UInt8]] = []
        bytes.withUnsafeBytes { buf in
            var i = 0
            while case .record(let end, let next) = tokenizer.scan(buf, from: i, atEOF: true) {
                let record = UnsafeRawBufferPointer(rebasing: buf[i..<end])
                if header == nil {
                    header = CSVHeader(names: tokenizer.fields.map { $0.string(in: record) })
                } else {
                    records.append(Array(record))
                }
                i = next
            }
        }
        return (header!, records)
    }

    /// What the replay's CSV decoder gives for a record, with the message's timestamp.
    static func replayRow(_ record: [UInt8], decoder: inout TripDecoder, texts: inout StringInterner) -> (DecodeOutcome, QueryRow) {
        var tokenizer = CSVTokenizer(), locations = StringInterner()
        return record.withUnsafeBytes { buf in
            guard case .record(let end, _) = tokenizer.scan(buf, from: 0, atEOF: true) else { return (.rejected("scan"), QueryRow()) }
            let outcome = decoder.decode(UnsafeRawBufferPointer(rebasing: buf[0..<end]), fields: tokenizer.fields,
                                         locations: &locations, texts: &texts, kafkaTimestampMs: messageTime)
            return (outcome, decoder.row)
        }
    }

    @Test func kafkaCSVAndJSONMessagesGiveTheReplaysRow() throws {
        let (header, records) = try Self.portalRecords()
        let layout = Self.everyColumn()
        let config = TripstreamConfig.chicago
        var csvMessages = try MessageDecoder(config: config, csvHeader: header, layout: layout)
        var jsonMessages = try MessageDecoder(config: config, csvHeader: nil, layout: layout)
        var replay = try TripDecoder(header: header, timeColumn: config.timeColumn, zone: config.timeZone, layout: layout)
        var encoder = TripJSONEncoder(header: header)
        var tokenizer = CSVTokenizer()
        var replayTexts = StringInterner(), csvTexts = StringInterner(), jsonTexts = StringInterner()
        var locations = StringInterner()
        #expect(records.count > 20)
        for record in records {
            let (expectedOutcome, expected) = Self.replayRow(record, decoder: &replay, texts: &replayTexts)
            guard case .trip = expectedOutcome else { Issue.record("rejected: \(expectedOutcome)"); continue }
            record.withUnsafeBytes { buf in
                if case .record(let end, _) = tokenizer.scan(buf, from: 0, atEOF: true) {
                    encoder.encode(UnsafeRawBufferPointer(rebasing: buf[0..<end]), fields: tokenizer.fields, eventTimestamp: nil)
                }
            }
            for (message, isJSON) in [(record, false), (encoder.bytes, true)] {
                var rows: [(DecodeOutcome, QueryRow)] = []
                let before = Clock.wallMilliseconds()
                message.withUnsafeBytes { bytes in
                    if isJSON {
                        jsonMessages.decodeEach(bytes, timestampMs: Self.messageTime, locations: &locations, texts: &jsonTexts) {
                            rows.append(($1, $2))
                        }
                    } else {
                        csvMessages.decodeEach(bytes, timestampMs: Self.messageTime, locations: &locations, texts: &csvTexts) {
                            rows.append(($1, $2))
                        }
                    }
                }
                let after = Clock.wallMilliseconds()
                #expect(rows.count == 1)
                guard var row = rows.first?.1 else { continue }
                #expect(rows[0].0.isTrip, "\(isJSON ? "JSON" : "CSV"): \(rows[0].0)")
                // The clock is read per message: only its range is known.
                #expect(row[.ingestTime].map { $0 >= before && $0 <= after } == true)
                row[.ingestTime] = expected[.ingestTime]
                #expect(row == expected, "\(isJSON ? "JSON" : "CSV") \(String(decoding: message, as: UTF8.self))")
                #expect(row[.kafkaTimestamp] == Self.messageTime)
            }
        }
        #expect(csvTexts == replayTexts && jsonTexts == replayTexts)
        #expect(replayTexts.count > 10)
    }

    /// A CSV message of several lines gives each record its own row; a malformed one an empty row.
    @Test func eachRecordOfACSVMessageHasItsRow() throws {
        let header = CSVHeader(names: ["trip_start_timestamp", "trip_miles", "company"])
        var decoder = try MessageDecoder(config: .chicago, csvHeader: header, layout: Self.everyColumn())
        let message = Array("04/18/2015 12:00:00 AM,1.5,A\n\n04/18/2015 12:15:00 AM,,B\nx,\"y\"z,\n04/18/2015 12:30:00 AM,x,C".utf8)
        var texts = StringInterner(), locations = StringInterner()
        var got: [(DecodeOutcome, Int64?, Int64?)] = []
        message.withUnsafeBytes { bytes in
            decoder.decodeEach(bytes, timestampMs: Self.messageTime, locations: &locations, texts: &texts) {
                got.append(($1, $2[.tripMiles], $2[.company]))
            }
        }
        #expect(got.count == 4)
        guard got.count == 4 else { return }
        #expect(got[0].0.isTrip && got[0].1 == 150 && got[0].2 == 0)
        #expect(got[1].0.isTrip && got[1].1 == nil && got[1].2 == 1)
        #expect(!got[2].0.isTrip && got[2].1 == nil && got[2].2 == nil)
        #expect(got[3].0 == .rejected("non-numeric trip_miles \"x\"") && got[3].2 == nil)
        #expect(texts.strings == ["A", "B"])
    }

    /// Without a time field the event time is the message's timestamp or the clock, and the pseudo-column
    /// of the same name equals it.
    @Test(arguments: [TimeColumn.kafkaTimestamp, .ingest])
    func pseudoColumnsMatchTheEventTime(time: TimeColumn) throws {
        var config = TripstreamConfig.chicago
        config.timeColumn = time
        let column = TripColumn(time)
        for header in [nil, CSVHeader(names: ["fare"])] {
            var decoder = try MessageDecoder(config: config, csvHeader: header, layout: Self.everyColumn())
            var texts = StringInterner(), locations = StringInterner()
            var got: [(DecodeOutcome, QueryRow)] = []
            Array((header == nil ? #"{"fare":1}"# : "1").utf8).withUnsafeBytes { bytes in
                decoder.decodeEach(bytes, timestampMs: Self.messageTime, locations: &locations, texts: &texts) { got.append(($1, $2)) }
            }
            guard case .trip(let trip)? = got.first?.0, let row = got.first?.1 else { Issue.record("\(got)"); continue }
            #expect(row[column] == trip.eventTime)
            #expect(row[.kafkaTimestamp] == Self.messageTime)
            #expect(row[.fare] == 100)
        }
    }
}

extension DecodeOutcome {
    var isTrip: Bool { if case .trip = self { true } else { false } }
}

