import CCSVScan
import Foundation

/// The fields of one record, in order (a view of the tokenizer's reused storage).
public typealias CSVFields = ArraySlice<CSVField>

/// Bounds of one field inside a record, relative to the record's first byte. For a quoted field the bounds
/// exclude the quotes; `escapedQuotes` says the content holds doubled quotes (`""`) still to be unescaped.
public struct CSVField: Sendable, Equatable {
    public var start: Int32
    public var end: Int32
    public var escapedQuotes: Bool
    public var count: Int { Int(end - start) }
}

/// What the tokenizer found at a position in a buffer.
public enum CSVScan: Equatable {
    /// A record spans `[start, end)` (line terminator excluded); the next record starts at `next`.
    case record(end: Int, next: Int)
    /// A broken record spans `[start, end)`; scanning resumes at `next` (the following physical line).
    case malformed(reason: String, end: Int, next: Int)
    /// The buffer ends inside the record and more input exists: refill and scan again from `start`.
    case needMore
    /// Only blank lines or nothing remain before `next` (no record). At EOF with next == count: done.
    case blank(next: Int)
}

/// Byte-level RFC 4180 tokenizer: commas, double quotes (with `""` escapes, commas and line breaks inside
/// quotes), LF or CRLF line ends. Field bounds go into a reusable array: no allocation per row.
public struct CSVTokenizer {
    /// Room for the fields of a record (grown when a record has more); the first `fieldCount` are the last
    /// record's. Kept at full size so the block scan writes fields through one pointer per record.
    var storage = [CSVField](repeating: CSVField(start: 0, end: 0, escapedQuotes: false), count: 32)
    var fieldCount = 0
    /// The fields of the last record scanned. A value like any slice, but one held past the next scan makes
    /// that scan copy the storage: callers use it and let it go.
    public var fields: CSVFields { storage[0..<fieldCount] }
    /// A quoted field longer than this is taken as an unterminated quote, so one stray `"` cannot swallow
    /// the rest of a file into one record.
    public var maxRecordBytes: Int

    public init(maxRecordBytes: Int = 1 << 16) {
        self.maxRecordBytes = maxRecordBytes
    }

    static let comma: UInt8 = 0x2C, quote: UInt8 = 0x22, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D

    /// Scans the record starting at `start`. `atEOF` says no bytes follow the buffer.
    public mutating func scan(_ buf: UnsafeRawBufferPointer, from start: Int, atEOF: Bool) -> CSVScan {
        fieldCount = 0
        let count = buf.count
        guard let base = buf.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            return atEOF ? .blank(next: start) : .needMore
        }
        // Blank lines carry no row: skip them.
        var i = start
        while i < count && (base[i] == Self.lf || (base[i] == Self.cr && i + 1 < count && base[i + 1] == Self.lf)) {
            i += base[i] == Self.cr ? 2 : 1
        }
        if i >= count { return atEOF || i > start ? .blank(next: i) : .needMore }
        if i > start { return .blank(next: i) }
        if let plain = scanPlain(base, count: count, from: start, atEOF: atEOF) { return plain }
        fieldCount = 0

        while true {
            // One field begins at i.
            if i < count && base[i] == Self.quote {
                let contentStart = i + 1
                var j = contentStart
                var escaped = false
                while true {
                    if j >= count {
                        if !atEOF && j - start <= maxRecordBytes { return .needMore }
                        return unterminated(base, count, start, atEOF: atEOF)
                    }
                    if base[j] == Self.quote {
                        if j + 1 < count && base[j + 1] == Self.quote { escaped = true; j += 2; continue }
                        if j + 1 >= count && !atEOF { return .needMore }
                        break
                    }
                    if j - start > maxRecordBytes { return unterminated(base, count, start, atEOF: atEOF) }
                    j += 1
                }
                add(CSVField(start: Int32(contentStart - start), end: Int32(j - start), escapedQuotes: escaped))
                i = j + 1
                if i < count && base[i] != Self.comma && base[i] != Self.lf
                    && !(base[i] == Self.cr && (i + 1 >= count || base[i + 1] == Self.lf)) {
                    return malformedToLineEnd(base, count, start, from: i, atEOF: atEOF,
                                              reason: "characters after the closing quote of field \(fieldCount)")
                }
            } else {
                var j = Self.nextSpecial(base, from: i, count: count)
                // A CR not followed by LF is data.
                while j < count && base[j] == Self.cr && j + 1 < count && base[j + 1] != Self.lf {
                    j = Self.nextSpecial(base, from: j + 1, count: count)
                }
                if j < count && base[j] == Self.quote {
                    return malformedToLineEnd(base, count, start, from: j, atEOF: atEOF,
                                              reason: "a quote inside unquoted field \(fieldCount + 1)")
                }
                if j >= count && !atEOF { return .needMore }
                if j < count && base[j] == Self.cr && j + 1 >= count && !atEOF { return .needMore }
                add(CSVField(start: Int32(i - start), end: Int32(j - start), escapedQuotes: false))
                i = j
            }
            // After a field: comma, line end or end of input.
            if i >= count {
                if !atEOF { return .needMore }
                return .record(end: i, next: i)
            }
            let b = base[i]
            if b == Self.comma {
                i += 1
                if i >= count {
                    if !atEOF { return .needMore }
                    add(CSVField(start: Int32(i - start), end: Int32(i - start), escapedQuotes: false))
                    return .record(end: i, next: i)
                }
                continue
            }
            if b == Self.lf { return .record(end: i, next: i + 1) }
            // CR LF (a lone CR before end of buffer was handled above).
            if i + 1 >= count { return atEOF ? .record(end: i, next: i + 1) : .needMore }
            return .record(end: i, next: i + 2)
        }
    }

    /// Appends a field (the byte-wise scan's way; the block scan writes through a pointer).
    mutating func add(_ field: CSVField) {
        if fieldCount == storage.count { storage += storage }
        storage[fieldCount] = field
        fieldCount += 1
    }

    /// The common case, 64 bytes at a time: plain fields and quoted ones (with `""`, commas and line breaks
    /// inside). The special bytes of each block come as one bit mask (SIMD compares), so the cost is per block
    /// and per field, not per byte. Returns nil on anything unusual — a quote inside an unquoted field, text
    /// after a closing quote, a CR not before LF, a quoted field longer than `maxRecordBytes`, a quote, CR or
    /// open quoted field at the buffer's edge, more fields than the storage holds (it grows first) — and the
    /// byte-wise scan takes the record from its start (and names what is wrong, if anything is).
    @inline(__always)
    mutating func scanPlain(_ base: UnsafePointer<UInt8>, count: Int, from start: Int, atEOF: Bool) -> CSVScan? {
        guard count - start <= Int(Int32.max) else { return nil }  // field bounds are Int32
        let maxQuoted = maxRecordBytes
        var n = 0
        let result: CSVScan? = storage.withUnsafeMutableBufferPointer { out in
            let capacity = out.count
            guard let fields = out.baseAddress else { return nil }
            @inline(__always) func field(_ from: Int, _ to: Int, _ escaped: Bool) -> Bool {
                guard n < capacity else { return false }
                fields[n] = CSVField(start: Int32(truncatingIfNeeded: from &- start),
                                     end: Int32(truncatingIfNeeded: to &- start), escapedQuotes: escaped)
                n &+= 1
                return true
            }
            var fieldStart = start
            // A quoted field: where its opening quote is (-1: none), whether it is still open, where it closed,
            // the second quote of a `""` pair (its bit comes next), and whether it had such pairs.
            var opened = -1, inQuotes = false, closed = -1, pairEnd = -1, escaped = false
            @inline(__always) func endField(at k: Int) -> Bool {
                let ok = opened >= 0 ? field(opened &+ 1, closed, escaped) : field(fieldStart, k, false)
                opened = -1
                closed = -1
                escaped = false
                return ok
            }
            var block = start
            while block < count {
                let available = count &- block
                var mask = available >= 64 ? tripstream_csv_specials64(base + block)
                    : tripstream_csv_specials_tail(base + block, Int32(available))
                while mask != 0 {
                    let k = block &+ mask.trailingZeroBitCount
                    mask &= mask &- 1
                    let b = base[k]
                    if inQuotes {
                        // Inside quotes only a quote matters: the end, or the first of a `""` pair.
                        guard b == Self.quote, k != pairEnd else { continue }
                        guard k &+ 1 < count, k &- start <= maxQuoted else { return nil }
                        if base[k &+ 1] == Self.quote {
                            pairEnd = k &+ 1
                            escaped = true
                        } else {
                            inQuotes = false
                            closed = k
                        }
                        continue
                    }
                    // After a closing quote the field must end at once.
                    if closed >= 0 && k != closed &+ 1 { return nil }
                    if b == Self.comma {
                        guard endField(at: k) else { return nil }
                        fieldStart = k &+ 1
                        continue
                    }
                    if b == Self.quote {
                        guard k == fieldStart else { return nil }  // a quote inside an unquoted field
                        opened = k
                        inQuotes = true
                        continue
                    }
                    let next: Int
                    if b == Self.lf {
                        next = k &+ 1
                    } else if b == Self.cr && k &+ 1 < count && base[k &+ 1] == Self.lf {
                        next = k &+ 2
                    } else {
                        return nil
                    }
                    return endField(at: k) ? .record(end: k, next: next) : nil
                }
                block &+= 64
            }
            // No line end before the buffer's end: the last record of the input, or more must be read.
            guard !inQuotes && closed < 0 else { return nil }
            guard atEOF else { return .needMore }
            return endField(at: count) ? .record(end: count, next: count) : nil
        }
        if result == nil && n == storage.count { storage += storage }  // a record with more fields than room
        fieldCount = n
        return result
    }

    /// Index of the first comma, quote, LF or CR at or after `from` (or `count`), eight bytes at a time:
    /// the classic "has zero byte" bit trick on each byte XOR the wanted character. Borrows can only mark
    /// bytes above a real match, so the lowest marked byte is the first match.
    @inline(__always)
    static func nextSpecial(_ base: UnsafePointer<UInt8>, from: Int, count: Int) -> Int {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func zeroBytes(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }
        var j = from
        while j + 8 <= count {
            let w = UInt64(littleEndian: UnsafeRawPointer(base + j).loadUnaligned(as: UInt64.self))
            let hits = zeroBytes(w ^ (ones &* 0x2C)) | zeroBytes(w ^ (ones &* 0x22))
                | zeroBytes(w ^ (ones &* 0x0A)) | zeroBytes(w ^ (ones &* 0x0D))
            if hits != 0 { return j + hits.trailingZeroBitCount >> 3 }
            j += 8
        }
        while j < count {
            let b = base[j]
            if b == comma || b == quote || b == lf || b == cr { return j }
            j += 1
        }
        return count
    }

    /// An opening quote never closed: the record is cut at the end of its first physical line.
    private func unterminated(_ base: UnsafePointer<UInt8>, _ count: Int, _ start: Int, atEOF: Bool) -> CSVScan {
        let (end, next) = lineEnd(base, count, start, from: start)
        return .malformed(reason: "unterminated quoted field", end: end, next: next)
    }

    private func malformedToLineEnd(_ base: UnsafePointer<UInt8>, _ count: Int, _ start: Int, from: Int,
                                    atEOF: Bool, reason: String) -> CSVScan {
        var e = from
        while e < count && base[e] != Self.lf { e += 1 }
        if e >= count && !atEOF { return .needMore }
        let (end, next) = lineEnd(base, count, start, from: from)
        return .malformed(reason: reason, end: end, next: next)
    }

    /// End of the physical line holding `from` (CR of a CRLF excluded) and the start of the next line.
    private func lineEnd(_ base: UnsafePointer<UInt8>, _ count: Int, _ start: Int, from: Int) -> (end: Int, next: Int) {
        var e = from
        while e < count && base[e] != Self.lf { e += 1 }
        let next = min(e + 1, count)
        if e > start && base[e - 1] == Self.cr { e -= 1 }
        return (e, next)
    }
}

extension CSVField {
    /// The field's bytes inside a record (quotes excluded, `""` not yet unescaped).
    public func bytes(in record: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: record[Int(start)..<Int(end)])
    }

    /// The field as a String, with `""` unescaped (header names, strings for output; not the hot path).
    public func string(in record: UnsafeRawBufferPointer) -> String {
        let s = String(decoding: bytes(in: record), as: UTF8.self)
        return escapedQuotes ? s.replacingOccurrences(of: "\"\"", with: "\"") : s
    }
}

