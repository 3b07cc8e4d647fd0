/// One record as the reference splitter sees it: byte range in the input (line terminator excluded) and
/// its fields (bounds relative to the record, quotes excluded), or nil fields for a malformed record. A
/// record over the size limit is malformed and `tooLong`, and its range is only its first bytes (the
/// reader keeps no more: `CSVFileReader.longRecordPrefixBytes`, or the limit if that is less).
struct ReferenceRecord: Equatable {
    var start: Int
    var end: Int
    var fields: [ReferenceField]?
    var tooLong = false
}

struct ReferenceField: Equatable {
    var start: Int
    var end: Int
    var escapedQuotes: Bool
}

/// A deliberately plain RFC 4180 splitter over the whole input in memory, byte by byte, written from the
/// documented grammar rather than the reader's code, in two passes per record:
/// 1. where the record ends: at a CR or LF outside quotes, or at the end of the input (so a quote never
///    closed runs to the end). A quote opens a quoted field only as a field's first byte; inside one, `""`
///    is a quote. CR and LF between records are blank lines: no record.
/// 2. its fields: a quoted field must close and be followed by a comma or the record's end; an unquoted
///    field holds no quote. Either fault makes the record malformed (it still ends where pass 1 says).
/// A record longer than `maxRecordBytes` is malformed whatever its fields.
enum ReferenceSplitter {
    static let comma: UInt8 = 0x2C, quote: UInt8 = 0x22, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D
    static let longPrefixBytes = 1024

    static func split(_ b: [UInt8], maxRecordBytes: Int) -> [ReferenceRecord] {
        var records: [ReferenceRecord] = []
        var s = 0
        while s < b.count {
            if b[s] == lf || b[s] == cr { s += 1; continue }
            let e = recordEnd(b, from: s)
            if e - s > maxRecordBytes {
                records.append(ReferenceRecord(start: s, end: s + min(longPrefixBytes, maxRecordBytes), fields: nil,
                                               tooLong: true))
            } else {
                records.append(ReferenceRecord(start: s, end: e, fields: fields(b, s, e)))
            }
            s = e + 1  // the LF of a CR LF is a blank line
        }
        return records
    }

    /// Index of the CR or LF ending the record that starts at `s`, or the input's length.
    static func recordEnd(_ b: [UInt8], from s: Int) -> Int {
        var atFieldStart = true, inQuotes = false
        var i = s
        while i < b.count {
            let c = b[i]
            if inQuotes {
                if c == quote {
                    if i + 1 < b.count && b[i + 1] == quote { i += 1 } else { inQuotes = false }
                }
            } else if c == lf || c == cr {
                return i
            } else if c == quote && atFieldStart {
                inQuotes = true
            }
            atFieldStart = !inQuotes && c == comma
            i += 1
        }
        return b.count
    }

    /// The fields of the record `[s, e)`, or nil when a field breaks the rules.
    static func fields(_ b: [UInt8], _ s: Int, _ e: Int) -> [ReferenceField]? {
        var fields: [ReferenceField] = []
        var i = s
        while true {
            if i < e && b[i] == quote {
                var j = i + 1
                var escaped = false
                while true {
                    if j >= e { return nil }  // never closed
                    if b[j] == quote {
                        if j + 1 < e && b[j + 1] == quote { escaped = true; j += 2; continue }
                        break
                    }
                    j += 1
                }
                fields.append(ReferenceField(start: i + 1 - s, end: j - s, escapedQuotes: escaped))
                i = j + 1
                if i < e && b[i] != comma { return nil }  // text after the closing quote
            } else {
                var j = i
                while j < e && b[j] != comma {
                    if b[j] == quote { return nil }  // a quote inside an unquoted field
                    j += 1
                }
                fields.append(ReferenceField(start: i - s, end: j - s, escapedQuotes: false))
                i = j
            }
            if i >= e { return fields }
            i += 1  // the comma
            if i == e {
                fields.append(ReferenceField(start: i - s, end: i - s, escapedQuotes: false))
                return fields
            }
        }
    }
}
