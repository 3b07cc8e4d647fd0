import Testing
import TripCore
@testable import TripSinks

/// The bytes of result messages: numbers written without Strings.
@Suite struct ResultMessageTests {
    func decimal(_ v: Int64) -> String {
        var out: [UInt8] = [0x3E]  // appended after what is there
        MessageBytes.decimal(v, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func decimalsMatchSwiftsOwnText() {
        for v: Int64 in [0, 7, -7, 10, 99, 100, 1_429_333_200, -1_429_333_200, .max, .min, .max - 1, .min + 1] {
            #expect(decimal(v) == ">" + String(v))
        }
    }

    /// A fixed-point value with exactly its scale's digits, against the text made from Swift's own digits.
    @Test func decimalsHaveExactlyTheirScalesDigits() {
        func reference(_ n: Int64, _ scale: Int) -> String {
            var digits = String(n.magnitude)
            if digits.count <= scale { digits = String(repeating: "0", count: scale + 1 - digits.count) + digits }
            let point = digits.index(digits.endIndex, offsetBy: -scale)
            return (n < 0 ? "-" : "") + digits[..<point] + "." + digits[point...]
        }
        var g = SystemRandomNumberGenerator()
        let edges: [Int64] = [0, 1, -1, 5, -5, 9, 10, 99, 100, 1250, -105, 123_456_789, .max, .min, .min + 1, .max - 1]
        for scale in 1...9 {
            for n in edges + (0..<200).map({ _ in Int64.random(in: .min ... .max, using: &g) >> Int64.random(in: 0...62, using: &g) }) {
                var out: [UInt8] = []
                QueryMessage.appendDecimal(n, scale: scale, to: &out)
                #expect(String(decoding: out, as: UTF8.self) == reference(n, scale), "\(n) scale \(scale)")
            }
        }
        var whole: [UInt8] = []
        QueryMessage.appendDecimal(-7, scale: 0, to: &whole)
        #expect(String(decoding: whole, as: UTF8.self) == "-7")
    }
}
