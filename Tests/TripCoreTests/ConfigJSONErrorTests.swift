import Foundation
import Testing
@testable import TripCore

/// A configuration file is strict JSON: a syntax error names its line and column and what was expected, and no
/// message quotes more than a short prefix of an offending value.
@Suite struct ConfigJSONErrorTests {
    func error(_ json: String) -> ConfigError? {
        do {
            _ = try TripstreamConfig.load(json: Data(json.utf8))
            return nil
        } catch {
            return error as? ConfigError
        }
    }

    @Test(arguments: [
        ("{\"tenant\": \"a\",}", "line 1, column 16", "expected a string key"),
        ("{\n  \"tenant\": \"a\",\n  \"epoch_rows\": 5,\n}", "line 4, column 1", "expected a string key"),
        ("{\"queries\": {\"hotspot_window\": {\"window\": \"1m\",}}}", "line 1, column 48", "expected a string key"),
        ("{\"epoch_rows\": [1, 2,]}", "line 1, column 22", "expected a value"),
        ("{\n\"tenant\" \"a\"}", "line 2, column 10", "expected ':'"),
        ("{\"tenant\": \"a\"", "line 1, column 15", "expected ',' or '}'"),
        ("{\"tenant\": tru}", "line 1, column 12", "expected a value"),
        ("{\"tenant\": \"a\"} x", "line 1, column 17", "expected the end of the input"),
        ("{\"epoch_rows\": 01}", "line 1, column 17", "expected ',' or '}'"),
        ("", "line 1, column 1", "expected a value"),
    ])
    func syntaxErrorsNameLineColumnAndWhatWasExpected(_ json: String, _ position: String, _ expected: String) throws {
        let e = try #require(error(json), "accepted \(json)")
        #expect(e.key == "(file)")
        #expect(e.description.contains(position) && e.description.contains(expected), "\(json): \(e)")
    }

    @Test func strictJSONStillLoadsEveryValueKind() throws {
        let config = try TripstreamConfig.load(json: Data("""
            {"tenant": "a\\u0062c", "epoch_rows": 5000, "time_column": "trip_end",
             "queries": {"sum_fare_window": {"window": 10.0, "watermark": "1m"}, "hotspot_window": {"window": "1h", "slide": 900}}}
            """.utf8))
        #expect(config.tenant == "abc" && config.epochRows == 5000 && config.timeColumn == .tripEnd)
        #expect(config.sumFareWindow.window == .tumbling(10_000) && config.sumFareWindow.watermarkDelay == 60_000)
        #expect(config.hotspotWindow.window == WindowSpec(length: 3_600_000, slide: 900_000))
    }

    /// The probe's 10 MB value took 12 s to report, most of it printing the whole value; the message quotes a
    /// short prefix. (How long loading takes is not asserted here: timings belong to `tripstream bench`.)
    @Test(arguments: ["tenant", "profile", "time_column", "time_zone", "epoch_rows"])
    func aHugeValueIsReportedShortly(_ key: String) throws {
        let huge = String(repeating: "x", count: 10_000_000)
        let e = try #require(error("{\"\(key)\": \"\(huge)\"}"))
        #expect(e.key == key)
        #expect(e.description.count < 300, "\(e.description.count) characters")
        #expect(e.description.contains(String(repeating: "x", count: 40)))
    }

    @Test func aHugeUnknownKeyIsQuotedShortly() throws {
        let e = try #require(error("{\"\(String(repeating: "k", count: 1_000_000))\": 1}"))
        #expect(e.description.count < 400, "\(e.description.count) characters")
    }
}
