import TripCore

/// A timestamp as written: a local wall-clock time (to be placed in the configured zone), or an instant.
public enum ParsedTimestamp: Equatable, Sendable {
    /// Milliseconds since 1970-01-01T00:00 on the local wall clock.
    case local(EventTime)
    /// Milliseconds since the Unix epoch, UTC (ISO 8601 with `Z`/offset, or Unix seconds).
    case instant(EventTime)

    /// The event time, reading local times in `zone`.
    public func eventTime(in zone: ZoneRules) -> EventTime {
        switch self {
        case .instant(let ms): return ms
        case .local(let ms):
            let seconds = floorDiv(ms, 1000)
            return zone.utc(fromLocal: seconds) * 1000 + (ms - seconds * 1000)
        }
    }
}

extension FieldParsers {
    static let formatHint = "expected MM/DD/YYYY hh:mm:ss AM|PM, ISO 8601 or Unix seconds"

    /// Parses the formats seen in Taxi Trips exports; nil for an empty field.
    /// - portal: `04/18/2015 12:00:00 AM` (also `4/18/2015 0:15`, 24-hour without AM/PM, seconds optional)
    /// - ISO 8601: `2015-04-18T00:15:00`, `2015-04-18 00:15:00.123456`, `…Z`, `…-05:00`, `2015-04-18`
    /// - Unix time: 9–10 digits = seconds (optionally with a fraction), 12–13 digits = milliseconds
    public static func timestamp(_ raw: UnsafeRawBufferPointer) throws(FieldError) -> ParsedTimestamp? {
        let p = trimmed(raw)
        if p.isEmpty { return nil }
        if let ms = portalLayout(p) { return .local(ms) }
        return try generalTimestamp(p)
    }

    /// The portal's own layout, `MM/DD/YYYY hh:mm:ss AM`, at its fixed positions (nearly every row): read
    /// without the general cursor. Anything else, including an out-of-range value, is left to the general
    /// path (nil), which gives the same result for this layout and names what is wrong.
    @inline(__always)
    static func portalLayout(_ p: UnsafeRawBufferPointer) -> EventTime? {
        guard p.count == 22 else { return nil }
        let b = p.baseAddress!.assumingMemoryBound(to: UInt8.self)
        guard b[2] == 0x2F, b[5] == 0x2F, b[10] == 0x20, b[13] == 0x3A, b[16] == 0x3A, b[19] == 0x20,
              b[21] | 0x20 == 0x6D else { return nil }
        let meridiem = b[20] | 0x20
        guard meridiem == 0x61 || meridiem == 0x70 else { return nil }
        @inline(__always) func two(_ i: Int) -> Int64 {
            let high = b[i] &- 0x30, low = b[i + 1] &- 0x30
            return high < 10 && low < 10 ? Int64(high) * 10 + Int64(low) : -1
        }
        let month = two(0), day = two(3), century = two(6), yy = two(8), hour = two(11), minute = two(14), second = two(17)
        guard month >= 1, month <= 12, day >= 1, century >= 0, yy >= 0, hour >= 1, hour <= 12,
              minute >= 0, minute <= 59, second >= 0, second <= 59 else { return nil }
        let year = century * 100 + yy
        guard day <= Int64(CivilDate.daysInMonth(year: Int(year), month: Int(month))) else { return nil }
        let dayNumber = Int64(CivilDate.dayNumber(year: Int(year), month: Int(month), day: Int(day)))
        let hour24 = hour % 12 + (meridiem == 0x70 ? 12 : 0)
        return ((dayNumber * 24 + hour24) * 60 + minute) * 60_000 + second * 1000
    }

    /// Every accepted format, with the reason when a field is not one of them.
    static func generalTimestamp(_ p: UnsafeRawBufferPointer) throws(FieldError) -> ParsedTimestamp? {
        var c = ByteCursor(p)
        let (first, firstDigits) = c.number(max: 13)
        guard firstDigits > 0 else { throw .badTimestamp(formatHint) }
        if c.atEnd || (c.peek == 0x2E && firstDigits >= 9) {
            return try unixTime(first, digits: firstDigits, cursor: &c)
        }
        let year: Int64, month: Int64, day: Int64
        var iso = false
        if c.peek == 0x2F {  // M/D/YYYY
            c.advance()
            let (d, dd) = c.number(max: 2)
            guard dd > 0, c.eat(0x2F) else { throw .badTimestamp(formatHint) }
            let (y, yd) = c.number(max: 4)
            guard yd == 4, firstDigits <= 2 else { throw .badTimestamp(formatHint) }
            (year, month, day) = (y, first, d)
        } else if c.peek == 0x2D && firstDigits == 4 {  // YYYY-MM-DD
            c.advance()
            let (m, md) = c.number(max: 2)
            guard md == 2, c.eat(0x2D) else { throw .badTimestamp(formatHint) }
            let (d, dd) = c.number(max: 2)
            guard dd == 2 else { throw .badTimestamp(formatHint) }
            (year, month, day) = (first, m, d)
            iso = true
        } else {
            throw .badTimestamp(formatHint)
        }
        guard month >= 1 && month <= 12 else { throw .badTimestamp("month \(month) out of range") }
        guard day >= 1 && day <= Int64(CivilDate.daysInMonth(year: Int(year), month: Int(month))) else {
            throw .badTimestamp("day \(day) does not exist in \(year)-\(month)")
        }
        let dayNumber = Int64(CivilDate.dayNumber(year: Int(year), month: Int(month), day: Int(day)))
        var hour: Int64 = 0, minute: Int64 = 0, second: Int64 = 0, millis: Int64 = 0
        var hasTime = false
        if !c.atEnd {
            guard c.eat(0x20) || (iso && (c.eat(0x54) || c.eat(0x74))) else { throw .badTimestamp(formatHint) }
            while c.eat(0x20) {}
            let (h, hd) = c.number(max: 2)
            guard hd > 0, c.eat(0x3A) else { throw .badTimestamp(formatHint) }
            let (mi, mid) = c.number(max: 2)
            guard mid == 2 else { throw .badTimestamp(formatHint) }
            (hour, minute, hasTime) = (h, mi, true)
            if c.eat(0x3A) {
                let (s, sd) = c.number(max: 2)
                guard sd == 2 else { throw .badTimestamp(formatHint) }
                second = s
                if c.eat(0x2E) || c.eat(0x2C) {
                    let (f, fd) = c.number(max: 9)
                    guard fd > 0 else { throw .badTimestamp(formatHint) }
                    var frac = f
                    var digits = fd
                    while digits > 3 { frac /= 10; digits -= 1 }
                    while digits < 3 { frac *= 10; digits += 1 }
                    millis = frac
                }
            }
        }
        // AM/PM (portal) — only after a time.
        while hasTime && c.eat(0x20) {}
        if hasTime, !c.atEnd, let b = c.peekLower, b == 0x61 || b == 0x70 {  // a / p
            c.advance()
            guard let m = c.peekLower, m == 0x6D else { throw .badTimestamp(formatHint) }
            c.advance()
            guard hour >= 1 && hour <= 12 else { throw .badTimestamp("hour \(hour) out of range for AM/PM") }
            hour = (hour % 12) + (b == 0x70 ? 12 : 0)
        }
        guard hour <= 23 else { throw .badTimestamp("hour \(hour) out of range") }
        guard minute <= 59 else { throw .badTimestamp("minute \(minute) out of range") }
        guard second <= 59 else { throw .badTimestamp("second \(second) out of range") }
        let localMs = ((dayNumber * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis
        if c.atEnd { return .local(localMs) }
        // A zone designator makes it an instant.
        guard iso, hasTime else { throw .badTimestamp(formatHint) }
        if c.eat(0x5A) || c.eat(0x7A) {  // Z
            guard c.atEnd else { throw .badTimestamp(formatHint) }
            return .instant(localMs)
        }
        guard let sign = c.peek, sign == 0x2B || sign == 0x2D else { throw .badTimestamp(formatHint) }
        c.advance()
        let (oh, ohd) = c.number(max: 2)
        guard ohd == 2 else { throw .badTimestamp(formatHint) }
        _ = c.eat(0x3A)
        var om: Int64 = 0
        if !c.atEnd {
            let (m, md) = c.number(max: 2)
            guard md == 2 else { throw .badTimestamp(formatHint) }
            om = m
        }
        guard c.atEnd, oh <= 18, om <= 59 else { throw .badTimestamp(formatHint) }
        let offset = (oh * 60 + om) * 60_000 * (sign == 0x2D ? -1 : 1)
        return .instant(localMs - offset)
    }

    static func unixTime(_ value: Int64, digits: Int, cursor c: inout ByteCursor) throws(FieldError) -> ParsedTimestamp {
        if c.atEnd {
            switch digits {
            case 9, 10: return .instant(value * 1000)
            case 12, 13: return .instant(value)
            default: throw .badTimestamp(formatHint)
            }
        }
        guard digits <= 10, c.eat(0x2E) else { throw .badTimestamp(formatHint) }
        let (f, fd) = c.number(max: 9)
        guard c.atEnd else { throw .badTimestamp(formatHint) }
        var frac = f
        var d = fd
        while d > 3 { frac /= 10; d -= 1 }
        while d < 3 { frac *= 10; d += 1 }
        return .instant(value * 1000 + frac)
    }
}

/// A read position over a byte buffer for the small parsers above.
struct ByteCursor {
    let p: UnsafeRawBufferPointer
    var i = 0

    init(_ p: UnsafeRawBufferPointer) { self.p = p }
    var atEnd: Bool { i >= p.count }
    var peek: UInt8? { i < p.count ? p[i] : nil }
    var peekLower: UInt8? { i < p.count ? p[i] | 0x20 : nil }
    mutating func advance() { i += 1 }

    mutating func eat(_ b: UInt8) -> Bool {
        if i < p.count && p[i] == b { i += 1; return true }
        return false
    }

    /// Reads up to `max` decimal digits; returns the value and how many digits were read.
    mutating func number(max: Int) -> (Int64, Int) {
        var v: Int64 = 0
        var n = 0
        while i < p.count && n < max && p[i] &- 0x30 < 10 {
            v = v * 10 + Int64(p[i] &- 0x30)
            i += 1
            n += 1
        }
        return (v, n)
    }
}
