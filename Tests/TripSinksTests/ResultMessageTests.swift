import Testing
import TripCore
@testable import TripSinks

/// The bytes of result messages: numbers and money written without Strings, and the builder's key/value.
@Suite struct ResultMessageTests {
    func decimal(_ v: Int64) -> String {
        var out: [UInt8] = [0x3E]  // appended after what is there
        MessageBytes.decimal(v, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    func money(_ cents: Int64?) -> String {
        var out: [UInt8] = []
        MessageBytes.money(cents, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func decimalsMatchSwiftsOwnText() {
        for v: Int64 in [0, 7, -7, 10, 99, 100, 1_429_333_200, -1_429_333_200, .max, .min, .max - 1, .min + 1] {
            #expect(decimal(v) == ">" + String(v))
        }
    }

    @Test func moneyHasTwoDecimals() {
        #expect(money(nil) == "null")
        #expect(money(0) == "0.00")
        #expect(money(5) == "0.05")
        #expect(money(-105) == "-1.05")
        #expect(money(123_456) == "1234.56")
    }

    @Test func keysAndValuesOfOneHotspotRow() {
        var m = ResultMessageBuilder(tenant: "t1")
        m.begin(.hotspotWindow, windowStart: 1_425_621_600_000, windowEnd: 1_425_621_660_000)
        m.key.append(0x7C)
        m.key.append(contentsOf: "POINT (-87.6 41.8)".utf8)
        m.text("pickup_centroid_location", "POINT (\"q\")")
        m.integer("count", 3)
        #expect(String(decoding: m.key, as: UTF8.self) == "t1|hotspot_window|1425621600|1425621660|POINT (-87.6 41.8)")
        #expect(String(decoding: m.value, as: UTF8.self) == #"{"tenant":"t1","window":{"start":"2015-03-06T06:00:00Z","#
                + #""end":"2015-03-06T06:01:00Z"},"window_start":1425621600,"window_end":1425621660,"#
                + #""pickup_centroid_location":"POINT (\"q\")","count":3"#)
    }

    /// The window's key and value parts are kept between rows: a new query keeps them, a new window replaces them.
    @Test func consecutiveRowsShareTheWindowPartsOnlyWhileTheWindowLasts() {
        var m = ResultMessageBuilder(tenant: "t1")
        func key(_ q: QueryName, _ start: Int64, _ end: Int64) -> String {
            m.begin(q, windowStart: start * 1000, windowEnd: end * 1000)
            return String(decoding: m.key, as: UTF8.self)
        }
        #expect(key(.hotspotWindow, 60, 120) == "t1|hotspot_window|60|120")
        #expect(key(.sumFareWindow, 60, 120) == "t1|sum_fare_window|60|120")
        #expect(key(.sumFareWindow, 120, 180) == "t1|sum_fare_window|120|180")
        #expect(String(decoding: m.value, as: UTF8.self).hasSuffix(#""window_start":120,"window_end":180"#))
        #expect(key(.hotspotWindow, 60, 120) == "t1|hotspot_window|60|120")
    }
}
