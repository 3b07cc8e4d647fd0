import Testing
import TripCore
import TripParsing

/// Tokenizes a whole in-memory CSV text; returns each record's fields as strings, or its malformed reason.
func tokenize(_ text: String) -> [Result<[String], MalformedRecord>] {
    var tokenizer = CSVTokenizer()
    var out: [Result<[String], MalformedRecord>] = []
    let bytes = Array(text.utf8)
    bytes.withUnsafeBytes { buf in
        var i = 0
        while i < buf.count {
            switch tokenizer.scan(buf, from: i, atEOF: true) {
            case .record(let end, let next):
                let rec = UnsafeRawBufferPointer(rebasing: buf[i..<end])
                out.append(.success(tokenizer.fields.map { $0.string(in: rec) }))
                i = next
            case .malformed(let reason, let end, let next):
                out.append(.failure(MalformedRecord(reason: reason, raw: String(decoding: buf[i..<end], as: UTF8.self))))
                i = next
            case .blank(let next):
                i = next
            case .needMore:
                Issue.record("needMore at EOF")
                return
            }
        }
    }
    return out
}

struct MalformedRecord: Error, Equatable {
    var reason: String
    var raw: String
}

let chicago = ZoneRules(identifier: "America/Chicago")!

/// Decodes one data row under a header.
func decodeRow(_ header: String, _ row: String, timeColumn: TimeColumn = .tripStart) throws -> (DecodeOutcome, StringInterner) {
    let fields = tokenize(header)[0]
    let names = try fields.get()
    var decoder = try TripDecoder(header: CSVHeader(names: names), timeColumn: timeColumn, zone: chicago)
    var tokenizer = CSVTokenizer()
    var locations = StringInterner()
    let bytes = Array(row.utf8)
    let outcome: DecodeOutcome = bytes.withUnsafeBytes { buf in
        guard case .record(let end, _) = tokenizer.scan(buf, from: 0, atEOF: true) else { return .rejected("tokenizer") }
        return decoder.decode(UnsafeRawBufferPointer(rebasing: buf[0..<end]), fields: tokenizer.fields, locations: &locations)
    }
    return (outcome, locations)
}

func parseTime(_ s: String) throws -> ParsedTimestamp? {
    let bytes = Array(s.utf8)
    return try bytes.withUnsafeBytes { try FieldParsers.timestamp($0) }
}

func cents(_ s: String) throws -> Int64? {
    let bytes = Array(s.utf8)
    return try bytes.withUnsafeBytes { try FieldParsers.cents($0) }
}

/// Milliseconds of a UTC date-time.
func utc(_ y: Int, _ mo: Int, _ d: Int, _ h: Int = 0, _ mi: Int = 0, _ s: Int = 0) -> EventTime {
    EventTime(CivilDate.dayNumber(year: y, month: mo, day: d)) * 86_400_000 + EventTime(h * 3600 + mi * 60 + s) * 1000
}
