import TripCore

extension FieldParsers {
    /// A SQL query's decimal column as fixed point, the number times 10^`scale`: the money forms (`$1,234.50`,
    /// `-3`, `$-3.5`, `41.878865584`); nil for an empty field. Scale 2 is the money parser itself; any other
    /// scale reads the same forms with up to `scale` decimals, fewer padded, more rounded half away from zero
    /// (as money rounds a third decimal). At most 18 − `scale` integer digits, so the value fits an Int64.
    public static func fixedPoint(_ raw: UnsafeRawBufferPointer, scale: Int) throws(FieldError) -> Int64? {
        if scale == 2 { return try cents(raw) }
        let p = trimmed(raw)
        if p.isEmpty { return nil }
        return try generalFixed(p, scale: scale, exact: false)
    }

    /// A SQL query's integer column: the money forms with no fraction or a zero one (`1080.0`, `32.0`, `$5`,
    /// `1,080`); nil for an empty field. A fraction other than zeros is `notAnInteger`, as is anything else
    /// that does not parse, or more than 18 digits.
    public static func wholeNumber(_ raw: UnsafeRawBufferPointer) throws(FieldError) -> Int64? {
        let p = trimmed(raw)
        if p.isEmpty { return nil }
        if let value = plainWholeNumber(p) { return value }
        return try generalFixed(p, scale: 0, exact: true)
    }

    /// The usual integer, up to 18 digits and nothing else, read in one pass; anything else → nil, and the
    /// general parser decides (the same value for these forms).
    @inline(__always)
    static func plainWholeNumber(_ p: UnsafeRawBufferPointer) -> Int64? {
        guard p.count <= 18, let b = p.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return nil }
        var value: Int64 = 0
        for i in 0..<p.count {
            let d = b[i] &- 0x30
            guard d < 10 else { return nil }
            value = value &* 10 &+ Int64(d)
        }
        return value
    }

    /// The money grammar of `generalCents` at any scale. `exact`: decimals beyond `scale` must be zeros
    /// (`notAnInteger` otherwise, and for every other failure); else the first of them rounds.
    static func generalFixed(_ p: UnsafeRawBufferPointer, scale: Int, exact: Bool) throws(FieldError) -> Int64 {
        let failure: FieldError = exact ? .notAnInteger : .notANumber
        var i = 0
        var negative = false
        if p[i] == 0x2D || p[i] == 0x2B { negative = p[i] == 0x2D; i += 1 }
        if i < p.count && p[i] == 0x24 { i += 1 }  // $
        if i < p.count && p[i] == 0x2D && !negative { negative = true; i += 1 }  // $-1.00
        var value: Int64 = 0
        var digits = 0
        while i < p.count {
            let b = p[i]
            if isDigit(b) {
                value = value &* 10 &+ Int64(b &- 0x30)
                digits += 1
                if digits > 18 - scale { throw failure }
            } else if b == 0x2C && digits > 0 {  // thousands separator
            } else { break }
            i += 1
        }
        var fracDigits = 0
        var roundUp = false
        if i < p.count && p[i] == 0x2E {
            i += 1
            while i < p.count && isDigit(p[i]) {
                let d = Int64(p[i] &- 0x30)
                if fracDigits < scale {
                    value = value &* 10 &+ d
                } else if exact {
                    if d != 0 { throw failure }
                } else if fracDigits == scale {
                    roundUp = d >= 5
                }
                fracDigits += 1
                i += 1
            }
        }
        guard i == p.count, digits + fracDigits > 0 else { throw failure }
        for _ in min(fracDigits, scale)..<scale { value &*= 10 }
        if roundUp { value += 1 }
        return negative ? -value : value
    }
}
