/// One record as the reference splitter sees it: byte range in the input (line terminator excluded) and
/// its fields (bounds relative to the record, quotes excluded), or nil fields for a malformed record.
struct ReferenceRecord: Equatable {
    var start: Int
    var end: Int
    var fields: [ReferenceField]?
}

struct ReferenceField: Equatable {
    var start: Int
    var end: Int
    var escapedQuotes: Bool
}

/// A deliberately plain RFC 4180 splitter over the whole input in memory, byte by byte, written from the
/// reader's documented rules rather than its code: LF or CRLF ends a record (a CR elsewhere is data, a CR
/// at the very end is a line end); blank lines carry no record; quoted fields hold commas, line breaks and
/// `""`. A broken record — a quote inside an unquoted field, text after a closing quote — is cut at the
/// end of the physical line where the fault is; an opening quote never closed (or whose content runs past
/// `maxQuotedBytes` from the record's start) cuts the record at the end of its first physical line.
enum ReferenceSplitter {
    static let comma: UInt8 = 0x2C, quote: UInt8 = 0x22, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D

    static func split(_ b: [UInt8], maxQuotedBytes: Int) -> [ReferenceRecord] {
        var records: [ReferenceRecord] = []
        var s = 0
        while s < b.count {
            if b[s] == lf { s += 1; continue }
            if b[s] == cr && s + 1 < b.count && b[s + 1] == lf { s += 2; continue }
            let (record, next) = splitRecord(b, at: s, maxQuotedBytes: maxQuotedBytes)
            records.append(record)
            s = next
        }
        return records
    }

    /// Whether `b[i]` ends a record: LF, CR before LF, or a CR that is the input's last byte.
    static func isLineEnd(_ b: [UInt8], _ i: Int) -> Bool {
        b[i] == lf || (b[i] == cr && (i + 1 == b.count || b[i + 1] == lf))
    }

    /// A malformed record from `s` to the end of the physical line holding `fault`.
    static func cut(_ b: [UInt8], _ s: Int, at fault: Int) -> (ReferenceRecord, Int) {
        var e = fault
        while e < b.count && b[e] != lf { e += 1 }
        let next = min(e + 1, b.count)
        if e > s && b[e - 1] == cr { e -= 1 }
        return (ReferenceRecord(start: s, end: e, fields: nil), next)
    }

    static func splitRecord(_ b: [UInt8], at s: Int, maxQuotedBytes: Int) -> (ReferenceRecord, Int) {
        let n = b.count
        var fields: [ReferenceField] = []
        var i = s
        while true {
            if i < n && b[i] == quote {
                var j = i + 1
                var escaped = false
                while true {
                    if j >= n { return cut(b, s, at: s) }
                    if b[j] == quote {
                        if j + 1 < n && b[j + 1] == quote { escaped = true; j += 2; continue }
                        break
                    }
                    if j - s > maxQuotedBytes { return cut(b, s, at: s) }
                    j += 1
                }
                fields.append(ReferenceField(start: i + 1 - s, end: j - s, escapedQuotes: escaped))
                i = j + 1
                if i < n && b[i] != comma && !isLineEnd(b, i) { return cut(b, s, at: i) }
            } else {
                var j = i
                while j < n && b[j] != comma && b[j] != quote && !isLineEnd(b, j) { j += 1 }
                if j < n && b[j] == quote { return cut(b, s, at: j) }
                fields.append(ReferenceField(start: i - s, end: j - s, escapedQuotes: false))
                i = j
            }
            if i >= n { return (ReferenceRecord(start: s, end: n, fields: fields), n) }
            if b[i] == comma {
                i += 1
                if i >= n {
                    fields.append(ReferenceField(start: i - s, end: i - s, escapedQuotes: false))
                    return (ReferenceRecord(start: s, end: n, fields: fields), n)
                }
                continue
            }
            let next = b[i] == lf ? i + 1 : min(i + 2, n)
            return (ReferenceRecord(start: s, end: i, fields: fields), next)
        }
    }
}
