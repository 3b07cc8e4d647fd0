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
    /// A broken record spans `[start, end)` (it ends where the grammar says, as a good one); the next
    /// record starts at `next`.
    case malformed(reason: String, end: Int, next: Int)
    /// The buffer ends inside the record and more input exists: call again with the record at `start` and
    /// more bytes after it (the tokenizer goes on from where it stopped, not from the record's start).
    case needMore
    /// Only blank lines or nothing remain before `next` (no record). At EOF with next == count: done.
    case blank(next: Int)
}

/// Where a record's boundary scan stands after the bytes seen so far (see `CSVTokenizer.recordEnd`).
public enum CSVRecordState: UInt8, Sendable {
    /// At the first byte of a field: a quote here opens a quoted field.
    case fieldStart
    /// Inside an unquoted field (a quote here is data, and makes the record malformed).
    case unquoted
    /// Inside a quoted field: only a quote matters.
    case quoted
    /// Just after a quote inside a quoted field: a second quote is an escaped one, anything else closes it.
    case quoteInQuoted
}

/// Byte-level RFC 4180 tokenizer. The grammar, the same however the input is cut into buffers:
/// fields are separated by commas; a field starting with `"` is quoted and holds anything (commas, CR, LF,
/// `""` for a quote) up to its closing quote; a record ends at a CR or LF outside quotes (so LF, CRLF and
/// a lone CR all end records: CR LF is a record end and a blank line) or at the end of the input; blank
/// lines carry no record. A record that breaks a field rule (a quote inside an unquoted field, text after a
/// closing quote, a quote never closed) still ends where the grammar says, and is reported as malformed.
/// Field bounds go into a reusable array: no allocation per row.
public struct CSVTokenizer {
    /// Room for the fields of a record (grown when a record has more); the first `fieldCount` are the last
    /// record's. Kept at full size so the block scan writes fields through one pointer per record.
    var storage = [CSVField](repeating: CSVField(start: 0, end: 0, escapedQuotes: false), count: 32)
    var fieldCount = 0
    /// The fields of the last record scanned. A value like any slice, but one held past the next scan makes
    /// that scan copy the storage: callers use it and let it go.
    public var fields: CSVFields { storage[0..<fieldCount] }
    /// After `.needMore`: how many bytes of the record were scanned, and the grammar state there, so the
    /// next scan of the same record (with more bytes) goes on from there instead of from its start.
    public private(set) var pendingScanned = 0
    public private(set) var pendingState = CSVRecordState.fieldStart

    public init() {}

    /// Forgets a record left incomplete (after a seek, or when the caller skips the record).
    public mutating func reset() {
        pendingScanned = 0
        pendingState = .fieldStart
    }

    static let comma: UInt8 = 0x2C, quote: UInt8 = 0x22, lf: UInt8 = 0x0A, cr: UInt8 = 0x0D

    /// Scans the record starting at `start`. `atEOF` says no bytes follow the buffer. After `.needMore` the
    /// next call must be for the same record (its bytes at `start`, followed by more) or follow `reset()`.
    public mutating func scan(_ buf: UnsafeRawBufferPointer, from start: Int, atEOF: Bool) -> CSVScan {
        fieldCount = 0
        let count = buf.count
        guard let base = buf.baseAddress?.assumingMemoryBound(to: UInt8.self) else {
            return atEOF ? .blank(next: start) : .needMore
        }
        if pendingScanned == 0 {
            // Blank lines carry no row: skip them.
            var i = start
            while i < count && (base[i] == Self.lf || base[i] == Self.cr) { i += 1 }
            if i >= count { return atEOF || i > start ? .blank(next: i) : .needMore }
            if i > start { return .blank(next: i) }
            if let plain = scanPlain(base, count: count, from: start, atEOF: atEOF) { return plain }
            fieldCount = 0
        }
        var state = pendingState
        guard let end = Self.recordEnd(base, from: start + pendingScanned, count: count, state: &state) else {
            if !atEOF {
                pendingScanned = count - start
                pendingState = state
                return .needMore
            }
            reset()
            return split(base, start: start, end: count, next: count)
        }
        reset()
        let next = base[end] == Self.cr && end + 1 < count && base[end + 1] == Self.lf ? end + 2 : end + 1
        return split(base, start: start, end: end, next: next)
    }

    /// Index of the CR or LF that ends the record, scanning from `from` in grammar state `state`; nil when
    /// the bytes end first (`state` then says where the scan stands, to go on with the following bytes).
    public static func recordEnd(_ base: UnsafePointer<UInt8>, from: Int, count: Int,
                                 state: inout CSVRecordState) -> Int? {
        var i = from
        var s = state
        while i < count {
            switch s {
            case .quoted:
                guard let q = memchr(base + i, Int32(quote), count - i) else {
                    i = count
                    continue
                }
                i = UnsafeRawPointer(base).distance(to: q) + 1
                s = .quoteInQuoted
            case .quoteInQuoted:
                let b = base[i]
                if b == quote {
                    s = .quoted
                } else if b == comma {
                    s = .fieldStart
                } else if b == lf || b == cr {
                    state = .fieldStart
                    return i
                } else {
                    s = .unquoted
                }
                i += 1
            case .fieldStart where base[i] == quote:
                s = .quoted
                i += 1
            case .fieldStart, .unquoted:
                // Up to the next comma or line end; a quote here is data (the record is malformed).
                let j = nextSpecial(base, from: i, count: count)
                if j >= count {
                    s = .unquoted
                    i = count
                    continue
                }
                let b = base[j]
                if b == lf || b == cr {
                    state = .fieldStart
                    return j
                }
                s = b == comma ? .fieldStart : .unquoted
                i = j + 1
            }
        }
        state = s
        return nil
    }

    /// The fields of the complete record `[start, end)` (its line end excluded), or why it is malformed.
    mutating func split(_ base: UnsafePointer<UInt8>, start: Int, end: Int, next: Int) -> CSVScan {
        var i = start
        while true {
            // One field begins at i.
            if i < end && base[i] == Self.quote {
                let contentStart = i + 1
                var j = contentStart
                var escaped = false
                while true {
                    guard let q = memchr(base + j, Int32(Self.quote), end - j) else {
                        fieldCount = 0
                        return .malformed(reason: "unterminated quoted field", end: end, next: next)
                    }
                    j = UnsafeRawPointer(base).distance(to: q)
                    if j + 1 < end && base[j + 1] == Self.quote { escaped = true; j += 2; continue }
                    break
                }
                add(CSVField(start: Int32(contentStart - start), end: Int32(j - start), escapedQuotes: escaped))
                i = j + 1
                if i < end && base[i] != Self.comma {
                    let reason = "characters after the closing quote of field \(fieldCount)"
                    fieldCount = 0
                    return .malformed(reason: reason, end: end, next: next)
                }
            } else {
                let j = Self.nextSpecial(base, from: i, count: end)  // no CR or LF before `end`
                if j < end && base[j] == Self.quote {
                    let reason = "a quote inside unquoted field \(fieldCount + 1)"
                    fieldCount = 0
                    return .malformed(reason: reason, end: end, next: next)
                }
                add(CSVField(start: Int32(i - start), end: Int32(j - start), escapedQuotes: false))
                i = j
            }
            if i >= end { return .record(end: end, next: next) }
            i += 1  // the comma
            if i == end {
                add(CSVField(start: Int32(i - start), end: Int32(i - start), escapedQuotes: false))
                return .record(end: end, next: next)
            }
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
    /// after a closing quote, a quote at the buffer's edge, a record the buffer ends inside, more fields than
    /// the storage holds (it grows first) — and the byte-wise scan takes the record from its start (and names
    /// what is wrong, if anything is).
    @inline(__always)
    mutating func scanPlain(_ base: UnsafePointer<UInt8>, count: Int, from start: Int, atEOF: Bool) -> CSVScan? {
        guard count - start <= Int(Int32.max) else { return nil }  // field bounds are Int32
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
                        guard k &+ 1 < count else { return nil }
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
                    // A line end: LF, CR, or CR LF taken at once (else its LF is a blank line, skipped later).
                    let next = b == Self.cr && k &+ 1 < count && base[k &+ 1] == Self.lf ? k &+ 2 : k &+ 1
                    return endField(at: k) ? .record(end: k, next: next) : nil
                }
                block &+= 64
            }
            // No line end before the buffer's end: the last record of the input, or more must be read (the
            // byte-wise scan then keeps its place, so the record is not scanned again from its start).
            guard atEOF && !inQuotes && closed < 0 else { return nil }
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

