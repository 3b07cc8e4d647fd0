/// A small seeded PRNG (SplitMix64): the same seed gives the same fixture on every machine.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

    public mutating func chance(_ p: Double) -> Bool { unit() < p }

    public mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

    public mutating func hex(_ count: Int) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(count)
        var bits: UInt64 = 0
        for i in 0..<count {
            if i % 16 == 0 { bits = next() }
            out.append(digits[Int(bits & 15)])
            bits >>= 4
        }
        return String(decoding: out, as: UTF8.self)
    }
}
