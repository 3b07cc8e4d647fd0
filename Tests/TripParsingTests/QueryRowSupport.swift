import Foundation
import Testing
import TripCore
@testable import TripParsing

/// A layout with every column: text interned, except the columns given literals.
func everyColumnLayout(literals: [TripColumn: [String]] = [:]) -> RowLayout {
    var layout = RowLayout()
    layout.columns = TripColumn.allCases
    for c in layout.columns where c.type == .text {
        layout.textCoding[c] = literals[c].map { .literals($0.sorted()) } ?? .interned
    }
    return layout
}

/// One record of a CSV text decoded with a layout: its outcome, row, and fields as strings (unescaped).
struct DecodedRecord {
    var outcome: DecodeOutcome
    var row: QueryRow
    var fields: [String]
    var json: [UInt8]
}

/// Decodes every record of `text` (header first) with the CSV decoder and `layout`, and re-encodes each as
/// the ingest JSON (`TripJSONEncoder`).
func decodeCSV(_ text: String, layout: RowLayout, zone: ZoneRules, texts: inout StringInterner,
               timeColumn: TimeColumn = .tripStart, now: EventTime = 7,
               parsesTripFields: Bool = true) throws -> [DecodedRecord] {
    let bytes = Array(text.utf8)
    var tokenizer = CSVTokenizer()
    var locations = StringInterner()
    var out: [DecodedRecord] = []
    var decoder: TripDecoder?
    var encoder: TripJSONEncoder?
    try bytes.withUnsafeBytes { buf in
        var i = 0
        while i < buf.count {
            switch tokenizer.scan(buf, from: i, atEOF: true) {
            case .record(let end, let next):
                let record = UnsafeRawBufferPointer(rebasing: buf[i..<end])
                let fields = tokenizer.fields
                let strings = fields.map { $0.string(in: record) }
                if decoder == nil {
                    let header = CSVHeader(names: strings)
                    decoder = try TripDecoder(header: header, timeColumn: timeColumn, zone: zone, layout: layout,
                                              parsesTripFields: parsesTripFields, now: { now })
                    encoder = TripJSONEncoder(header: header)
                } else {
                    let outcome = decoder!.decode(record, fields: fields, locations: &locations, texts: &texts)
                    encoder!.encode(record, fields: fields, eventTimestamp: nil)
                    out.append(DecodedRecord(outcome: outcome, row: decoder!.row, fields: strings, json: encoder!.bytes))
                }
                i = next
            case .malformed(let reason, _, _):
                Issue.record("malformed record: \(reason)")
                return
            case .blank(let next):
                i = next
            case .needMore:
                return
            }
        }
    }
    return out
}

/// The value a field's text should give, by an independent parse: Foundation's `Decimal` for numbers
/// (rounded half away from zero at the column's scale), `DateFormatter`/`ISO8601DateFormatter` for
/// timestamps, the trimmed text for text. Nil for an empty field.
enum Truth {
    case number(Int64)
    case time(EventTime)
    case text(String)
    case null
    case unparsable

    init(_ raw: String, type: ValueType, zone: TimeZone) {
        let s = raw.trimmingCharacters(in: CharacterSet(charactersIn: " \t"))
        if s.isEmpty { self = .null; return }
        switch type {
        case .integer: self = Self.decimal(s, scale: 0, exact: true)
        case .decimal(let scale): self = Self.decimal(s, scale: scale, exact: false)
        case .timestamp: self = Self.timestamp(s, zone: zone)
        default: self = .text(s)
        }
    }

    static func decimal(_ s: String, scale: Int, exact: Bool) -> Truth {
        let plain = s.replacingOccurrences(of: "$", with: "").replacingOccurrences(of: ",", with: "")
        guard plain.allSatisfy({ "0123456789.-+".contains($0) }), var d = Decimal(string: plain, locale: Locale(identifier: "en_US_POSIX")) else {
            return .unparsable
        }
        d *= pow(Decimal(10), scale)
        var rounded = Decimal()
        NSDecimalRound(&rounded, &d, 0, .plain)
        if exact && rounded != d { return .unparsable }
        return .number(NSDecimalNumber(decimal: rounded).int64Value)
    }

    static func timestamp(_ s: String, zone: TimeZone) -> Truth {
        let portal = DateFormatter()
        portal.locale = Locale(identifier: "en_US_POSIX")
        portal.timeZone = zone
        portal.dateFormat = "MM/dd/yyyy hh:mm:ss a"
        if let date = portal.date(from: s) { return .time(EventTime((date.timeIntervalSince1970 * 1000).rounded())) }
        if let date = ISO8601DateFormatter().date(from: s) { return .time(EventTime((date.timeIntervalSince1970 * 1000).rounded())) }
        return .unparsable
    }
}

/// Checks a decoded row against the independent parse of its record's fields: each column of `layout`
/// with a header field; text through `texts` (interned) or the literal list.
func expectRow(_ row: QueryRow, fields: [String], header: CSVHeader, layout: RowLayout, texts: StringInterner,
               zone: TimeZone, sourceLocation: SourceLocation = #_sourceLocation) {
    for column in layout.columns where !column.isPseudo {
        let value = row[column]
        guard let i = header.index(of: column.name) else {
            #expect(value == nil, "\(column.name) is absent from the header", sourceLocation: sourceLocation)
            continue
        }
        switch Truth(fields[i], type: column.type, zone: zone) {
        case .null: #expect(value == nil, "\(column.name) \(fields[i])", sourceLocation: sourceLocation)
        case .number(let n), .time(let n): #expect(value == n, "\(column.name) \(fields[i])", sourceLocation: sourceLocation)
        case .unparsable: Issue.record("\(column.name) \"\(fields[i])\" was accepted as \(String(describing: value))",
                                       sourceLocation: sourceLocation)
        case .text(let s):
            guard let value else { Issue.record("\(column.name) \"\(s)\" gave NULL", sourceLocation: sourceLocation); continue }
            if case .literals(let list)? = layout.textCoding[column] {
                #expect(value == Int64(list.firstIndex(of: s) ?? -1), "\(column.name) \(s)", sourceLocation: sourceLocation)
            } else {
                #expect(value >= 0 && value < texts.count && texts.string(LocationID(value)) == s,
                        "\(column.name) \(s)", sourceLocation: sourceLocation)
            }
        }
    }
}

