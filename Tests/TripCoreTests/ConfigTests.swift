import Foundation
import Testing
@testable import TripCore

@Suite struct ConfigTests {
    func load(_ json: String) throws -> TripstreamConfig { try TripstreamConfig.load(json: Data(json.utf8)) }

    func expectError(_ json: String, key: String, containing text: String) {
        do {
            _ = try load(json)
            Issue.record("accepted invalid config \(json)")
        } catch let error as ConfigError {
            #expect(error.key == key)
            #expect(error.description.contains(text), "\(error)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    @Test func profiles() throws {
        let seed = try load(#"{"profile": "seed"}"#)
        #expect(seed.sumFareWindow.window == .tumbling(5_000))
        #expect(seed.sumFareWindow.mode == .update)
        #expect(seed.tripsTotal.mode == .complete)
        #expect(seed.hotspotWindow.window == WindowSpec(length: 60_000, slide: 30_000))
        #expect(seed.hotspotCommunityWindow.mode == .append)
        #expect(seed.hotspotWindow.watermarkDelay == 10_000)
        let chicago = try load("{}")
        #expect(chicago.sumFareWindow.window == .tumbling(3_600_000))
        #expect(chicago.hotspotCommunityWindow.window == WindowSpec(length: 3_600_000, slide: 900_000))
        #expect(chicago.timeZone.identifier == "America/Chicago")
        #expect(chicago.tenant == "tenantstreamapp")
    }

    @Test func overrides() throws {
        let c = try load("""
        {"profile": "seed", "tenant": "acme-2", "time_column": "trip_end", "time_zone": "UTC", "epoch_rows": 500,
         "queries": {"sum_fare_window": {"window": "10 seconds", "mode": "append"},
                     "hotspot_window": {"window": "2m", "slide": 60, "watermark": "1m"},
                     "trips_total": {"mode": "update"}}}
        """)
        #expect(c.tenant == "acme-2")
        #expect(c.timeColumn == .tripEnd)
        #expect(c.timeZone.identifier == "UTC")
        #expect(c.epochRows == 500)
        #expect(c.sumFareWindow.window == .tumbling(10_000))
        #expect(c.sumFareWindow.mode == .append)
        #expect(c.hotspotWindow.window == WindowSpec(length: 120_000, slide: 60_000))
        #expect(c.hotspotWindow.watermarkDelay == 60_000)
        #expect(c.tripsTotal.mode == .update)
    }

    @Test func invalidConfigNamesTheKey() {
        expectError(#"{"tenant": "a b"}"#, key: "tenant", containing: "not a valid tenant")
        expectError(#"{"profil": "seed"}"#, key: "profil", containing: "unknown key")
        expectError(#"{"profile": "fast"}"#, key: "profile", containing: "unknown profile")
        expectError(#"{"time_zone": "Mars/Olympus"}"#, key: "time_zone", containing: "unknown time zone")
        expectError(#"{"time_column": "pickup"}"#, key: "time_column", containing: "unknown time column")
        expectError(#"{"epoch_rows": 0}"#, key: "epoch_rows", containing: "whole number")
        expectError(#"{"queries": {"sum_fare": {}}}"#, key: "queries.sum_fare",
                    containing: "not a built-in query (sum_fare_window, trips_total, hotspot_community_window, hotspot_window); a new query needs \"sql\"")
        expectError(#"{"queries": {"sum_fare_window": {"window": "5 parsecs"}}}"#, key: "queries.sum_fare_window.window",
                    containing: "expected a duration")
        expectError(#"{"queries": {"hotspot_window": {"window": "1m", "slide": "2m"}}}"#, key: "queries.hotspot_window.slide",
                    containing: "must not exceed the window")
        expectError(#"{"queries": {"hotspot_window": {"window": "1500ms"}}}"#, key: "queries.hotspot_window.window",
                    containing: "whole number of seconds")
        expectError(#"{"queries": {"trips_total": {"window": "1h"}}}"#, key: "queries.trips_total.window",
                    containing: "unknown key")
        expectError(#"{"queries": {"trips_total": {"mode": "sometimes"}}}"#, key: "queries.trips_total.mode",
                    containing: "unknown output mode")
        expectError("[1]", key: "(root)", containing: "expected a JSON object")
        expectError("{", key: "(file)", containing: "not valid JSON")
    }

    @Test func durations() {
        #expect(TripstreamConfig.parseDuration("500ms") == 500)
        #expect(TripstreamConfig.parseDuration("10s") == 10_000)
        #expect(TripstreamConfig.parseDuration("15min") == 900_000)
        #expect(TripstreamConfig.parseDuration("1 hour") == 3_600_000)
        #expect(TripstreamConfig.parseDuration("1d") == 86_400_000)
        #expect(TripstreamConfig.parseDuration("abc") == nil)
    }

    /// JSON's 0 and 1 are numbers, not booleans (on Linux, JSONSerialization's NSNumber for 1 also passes
    /// `is Bool`); true and false are not numbers.
    @Test func zeroAndOneAreNumbersAndBooleansAreNot() throws {
        let c = try load(#"{"epoch_rows": 1, "queries": {"hotspot_window": {"watermark": 0}, "trips_total": {"watermark": 1}}}"#)
        #expect(c.epochRows == 1)
        #expect(c.hotspotWindow.watermarkDelay == 0)
        #expect(c.tripsTotal.watermarkDelay == 1000)
        expectError(#"{"epoch_rows": true}"#, key: "epoch_rows", containing: "expected a whole number from 1 to 10000000, got true")
        expectError(#"{"queries": {"trips_total": {"watermark": false}}}"#, key: "queries.trips_total.watermark",
                    containing: "expected a duration")
    }
}

@Suite struct CoreValueTests {
    @Test func civilDatesRoundTrip() {
        for day in stride(from: -800_000, through: 800_000, by: 997) {
            let d = CivilDate.date(ofDay: day)
            #expect(CivilDate.dayNumber(year: d.year, month: d.month, day: d.day) == day)
        }
        #expect(CivilDate.isoDay(CivilDate.dayNumber(year: 2016, month: 2, day: 29)) == "2016-02-29")
        #expect(CivilDate.parseISODay("2015-02-29") == nil)
        #expect(CivilDate.isoUTC(seconds: 1_429_333_200) == "2015-04-18T05:00:00Z")
        #expect(floorDiv(-1, 1000) == -1 && floorMod(-1, 1000) == 999)
    }

    @Test func zoneRulesAgreeWithFoundation() {
        let zone = ZoneRules(identifier: "America/Chicago")!
        let tz = TimeZone(identifier: "America/Chicago")!
        for t in stride(from: Int64(1_300_000_000), through: 1_700_000_000, by: 86_413) {
            #expect(zone.offset(atUTC: t) == Int64(tz.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(t)))))
        }
    }

    /// The bucketed lookup agrees with the binary search everywhere: around every transition, at random
    /// instants from 1800 to 2300, and at the table's edges.
    @Test func zoneLookupTableAgreesWithTheSearch() {
        for name in ["America/Chicago", "Europe/London", "Australia/Lord_Howe", "Asia/Kolkata", "UTC"] {
            let zone = ZoneRules(identifier: name)!
            var instants: [Int64] = [zone.bucketBase - 1, zone.bucketBase, 7_258_118_400, 7_258_118_401, 0, -1]
            for t in zone.transitions.dropFirst() { instants += [t - 1, t, t + 1] }
            var rng = SystemRandomNumberGenerator()
            for _ in 0..<20_000 { instants.append(Int64.random(in: -5_364_662_400...10_413_792_000, using: &rng)) }
            for t in instants where zone.offset(atUTC: t) != zone.searchedOffset(atUTC: t) {
                Issue.record("\(name) at \(t): table \(zone.offset(atUTC: t)), search \(zone.searchedOffset(atUTC: t))")
            }
        }
    }

    /// Ids are first-seen order for any bytes: random strings of every length up to 50 (word-sized and tail
    /// parts, shared prefixes, repeats, the empty string), checked against a dictionary.
    @Test func internerMatchesADictionary() {
        var rng = SystemRandomNumberGenerator()
        var interner = StringInterner()
        var reference: [[UInt8]: Int32] = [:]
        let pool = (0..<600).map { _ in (0..<Int.random(in: 0...50, using: &rng)).map { _ in UInt8.random(in: 0x41...0x44, using: &rng) } }
        for _ in 0..<5000 {
            let s = pool[Int.random(in: 0..<pool.count, using: &rng)]
            let expected = reference[s] ?? Int32(reference.count)
            reference[s] = expected
            let id = s.withUnsafeBytes { interner.intern($0) }
            #expect(id == expected)
        }
        #expect(interner.count == reference.count)
        #expect(StringInterner(strings: interner.strings) == interner)
    }

    @Test func internerIsDeterministicAndRestorable() {
        var a = StringInterner()
        let ids = (0..<1000).map { a.intern("POINT (\($0 % 300) 1)") }
        #expect(a.count == 300)
        #expect(ids[0] == 0 && ids[299] == 299 && ids[300] == 0)
        let b = StringInterner(strings: a.strings)
        #expect(b == a)
        #expect(b.string(42) == "POINT (42 1)")
    }
}
