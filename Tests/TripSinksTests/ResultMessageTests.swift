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
}
