import TripCore

/// Exact decimal arithmetic for SQL results: fixed-point integers widened to Int128, rounded half away
/// from zero (SQL's ROUND), never through floating point.
enum FixedPoint {
    /// 10^0 ... 10^38 (the largest power of ten an Int128 holds).
    static let powersOf10: [Int128] = {
        var p: [Int128] = [1]
        for _ in 1...38 { p.append(p.last! * 10) }
        return p
    }()

    /// a / b rounded half away from zero; b > 0.
    static func divide(_ a: Int128, by b: Int128) -> Int128 {
        let q = a / b, r = a % b
        let magnitude = r < 0 ? -r : r
        guard magnitude >= b - magnitude else { return q }
        return a < 0 ? q - 1 : q + 1
    }

    /// `value` (times 10^scale) at a smaller scale, rounded half away from zero.
    static func rescale(_ value: Int128, from scale: Int, to target: Int) -> Int128 {
        target >= scale ? value * powersOf10[target - scale] : divide(value, by: powersOf10[scale - target])
    }

    /// round(sum / count) at `target` decimals, where sum is at `scale`: sum·10^target / (count·10^scale), exact.
    /// Nil when the quotient does not fit Int64.
    static func average(sum: Int128, count: Int64, scale: Int, target: Int) -> Int64? {
        let (numerator, overflow) = sum.multipliedReportingOverflow(by: powersOf10[target])
        guard !overflow else { return nil }
        return Int64(exactly: divide(numerator, by: Int128(count) * powersOf10[scale]))
    }
}
