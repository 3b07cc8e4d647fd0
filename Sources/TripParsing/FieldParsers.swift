import TripCore

/// Why a field value was rejected; rendered into the dead-letter reason.
public enum FieldError: Error, Equatable {
    case notANumber
    case notAnInteger
    case badTimestamp(String)
}

/// Byte-level parsers for the portal's field formats. No Foundation, no String, no allocation.
public enum FieldParsers {
    static func isDigit(_ b: UInt8) -> Bool { b &- 0x30 < 10 }

    /// Trims ASCII spaces and tabs at both ends.
    public static func trimmed(_ p: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var lo = 0
        var hi = p.count
        while lo < hi && (p[lo] == 0x20 || p[lo] == 0x09) { lo += 1 }
        while hi > lo && (p[hi - 1] == 0x20 || p[hi - 1] == 0x09) { hi -= 1 }
        return UnsafeRawBufferPointer(rebasing: p[lo..<hi])
    }

    /// Money in integer cents: `7.65`, `$7.65`, `-3`, `1080.0`, `$1,234.50`; nil for an empty field.
    /// More than two decimals are rounded half away from zero.
    public static func cents(_ raw: UnsafeRawBufferPointer) throws(FieldError) -> Int64? {
        let p = trimmed(raw)
        if p.isEmpty { return nil }
        if let value = plainCents(p) { return value }
        return try generalCents(p)
    }

    /// The portal's usual money, `12.34` or `$12.34` (up to 15 digits before the point, exactly two after):
    /// read in one pass without the general parser's signs, separators and rounding. Anything else → nil, and
    /// the general parser decides (the same value for these forms).
    @inline(__always)
    static func plainCents(_ p: UnsafeRawBufferPointer) -> Int64? {
        let n = p.count
        guard n >= 4, let b = p.baseAddress?.assumingMemoryBound(to: UInt8.self), b[n - 3] == 0x2E else { return nil }
        let first = b[0] == 0x24 ? 1 : 0
        guard n - 3 > first, n - 3 - first <= 15 else { return nil }
        var units: Int64 = 0
        for i in first..<(n - 3) {
            let d = b[i] &- 0x30
            guard d < 10 else { return nil }
            units = units &* 10 &+ Int64(d)
        }
        let tens = b[n - 2] &- 0x30, ones = b[n - 1] &- 0x30
        guard tens < 10, ones < 10 else { return nil }
        return units &* 100 &+ Int64(tens) &* 10 &+ Int64(ones)
    }

    /// Every accepted form of money, with `notANumber` for the rest.
    static func generalCents(_ p: UnsafeRawBufferPointer) throws(FieldError) -> Int64? {
        if p.isEmpty { return nil }
        var i = 0
        var negative = false
        if p[i] == 0x2D || p[i] == 0x2B { negative = p[i] == 0x2D; i += 1 }
        if i < p.count && p[i] == 0x24 { i += 1 }  // $
        if i < p.count && (p[i] == 0x2D) && !negative { negative = true; i += 1 }  // $-1.00
        var units: Int64 = 0
        var digits = 0
        while i < p.count {
            let b = p[i]
            if isDigit(b) {
                units = units &* 10 &+ Int64(b &- 0x30)
                digits += 1
                if digits > 15 { throw .notANumber }
            } else if b == 0x2C && digits > 0 {  // thousands separator
            } else { break }
            i += 1
        }
        var cents: Int64 = units * 100
        if i < p.count && p[i] == 0x2E {
            i += 1
            var scale: Int64 = 10
            var fracDigits = 0
            var roundUp = false
            while i < p.count && isDigit(p[i]) {
                let d = Int64(p[i] &- 0x30)
                if fracDigits < 2 { cents += d * scale; scale /= 10 } else if fracDigits == 2 { roundUp = d >= 5 }
                fracDigits += 1
                i += 1
            }
            if roundUp { cents += 1 }
            digits += fracDigits
        }
        guard i == p.count, digits > 0 else { throw .notANumber }
        return negative ? -cents : cents
    }

    /// A whole number, also written as a float with a zero fraction (`32`, `32.0`); nil for an empty field.
    public static func integer(_ raw: UnsafeRawBufferPointer) throws(FieldError) -> Int64? {
        let p = trimmed(raw)
        if p.isEmpty { return nil }
        var i = 0
        var negative = false
        if p[0] == 0x2D || p[0] == 0x2B { negative = p[0] == 0x2D; i = 1 }
        var value: Int64 = 0
        let firstDigit = i
        while i < p.count && isDigit(p[i]) {
            value = value &* 10 &+ Int64(p[i] &- 0x30)
            i += 1
            if i - firstDigit > 15 { throw .notAnInteger }
        }
        guard i > firstDigit else { throw .notAnInteger }
        if i < p.count && p[i] == 0x2E {
            i += 1
            while i < p.count && p[i] == 0x30 { i += 1 }
            if i < p.count && isDigit(p[i]) { throw .notAnInteger }
        }
        guard i == p.count else { throw .notAnInteger }
        return negative ? -value : value
    }
}
