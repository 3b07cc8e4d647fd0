/// Number text straight into bytes (result message keys and values).
public enum MessageBytes {
    @inlinable
    public static func decimal(_ v: Int64, into out: inout [UInt8]) {
        // Digits from the right into a stack buffer, then one append.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: a sign and 19 digits fit
        withUnsafeMutableBytes(of: &digits) { d in
            var magnitude = v.magnitude
            var i = d.count
            repeat {
                i -= 1
                d[i] = UInt8(truncatingIfNeeded: magnitude % 10) &+ 0x30
                magnitude /= 10
            } while magnitude > 0
            if v < 0 { i -= 1; d[i] = 0x2D }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[i...]))
        }
    }

    /// Appends a literal's bytes in one copy (`append(contentsOf: "…".utf8)` is generic over the sequence and went
    /// byte by byte: ~1 000 instructions per result message for its literals, docs/performance.md).
    @inlinable
    public static func append(_ s: StaticString, to out: inout [UInt8]) {
        out.append(contentsOf: UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }
}
