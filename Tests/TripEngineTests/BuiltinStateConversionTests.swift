import Testing
import TripCore
@testable import TripEngine
import TripSQL

/// A checkpoint written by a build that ran the built-ins hand-wired (engine snapshot format 1) resumes: its
/// built-ins' state converts into the states of their SQL queries (`BuiltinStateConversion`). End to end, with
/// state directories such a build wrote: `FormatOneStateTests`.
@Suite struct BuiltinStateConversionTests {
    static let base: EventTime = 1_425_621_600_000  // 2015-03-06 00:00 in Chicago, a whole hour

    /// A format-1 state made by hand: a window per built-in, a final window kept, watermarks and counters.
    static func legacy(_ config: TripstreamConfig) -> LegacyBuiltinState {
        var l = LegacyBuiltinState()
        l.maxEventTime = base + 600_000
        l.watermarks = PerQuery(repeating: base - 1)
        var money = MoneyAggregate()
        money.add(Trip(eventTime: 0, fareCents: 700, tipsCents: nil, tripTotalCents: 900))
        money.add(Trip(eventTime: 0, fareCents: 300, tipsCents: 51, tripTotalCents: nil))
        _ = l.sumFare.entry(start: base, group: 0, initial: money, epoch: 0)
        l.retainedSumFare[GroupedWindowKey(start: base - 3_600_000, group: 0)] = money
        let day = config.timeZone.localDay(ofUTC: base / 1000)
        _ = l.days.entry(start: day, group: 0, initial: money, epoch: 0)
        _ = l.community.entry(start: base, group: 8, initial: 3, epoch: 0)
        _ = l.locations.intern("POINT (9 9)")
        let location = l.locations.intern("POINT (1 2)")
        _ = l.location.entry(start: base, group: location, initial: 2, epoch: 0)
        l.lateByQuery[.tripsTotal] = 4
        l.emittedByQuery[.sumFareWindow] = 9
        return l
    }

    @Test func aFormatOneStateGoesOnAsTheBuiltinsQueries() throws {
        var config = TripstreamConfig.chicago
        config.sumFareWindow.mode = .complete
        var state = EngineState()
        state.epoch = 3
        state.legacyBuiltins = Self.legacy(config)
        var engine = Engine(config: config, state: state)
        #expect(engine.state.legacyBuiltins == nil && engine.state.queries.count == 4)
        #expect(engine.state.queries.map(\.watermark) == Array(repeating: Self.base - 1, count: 4))
        #expect(engine.state.queries.map(\.maxTime) == Array(repeating: Self.base + 600_000, count: 4))
        let out = engine.endEpoch(endOfInput: true)
        #expect(out.epoch == 3)
        // sum_fare_window (complete mode): the kept window, then the open one; fare 10.00, tips 0.51, total 9.00.
        let fare = out[.sumFareWindow].rows
        #expect(fare.map(\.windowStart) == [Self.base - 3_600_000, Self.base])
        #expect(fare.allSatisfy {
            Array($0.values.dropFirst(2)) == [.decimal(1000, scale: 2), .decimal(51, scale: 2), .decimal(900, scale: 2), .integer(2)]
        })
        #expect(out[.sumFareWindow].rowsEmitted == 9 + 2)
        let day = try #require(out[.tripsTotal].rows.first)
        #expect(Array(day.values.dropFirst()) == [.integer(2), .decimal(1000, scale: 2), .decimal(51, scale: 2), .decimal(900, scale: 2)])
        #expect(out[.tripsTotal].rowsLate == 4)
        #expect(out[.hotspotCommunityWindow].rows.map { Array($0.values.dropFirst(2)) } == [[.integer(8), .integer(3)]])
        #expect(out[.hotspotWindow].rows.map { Array($0.values.dropFirst(2)) } == [[.text("POINT (1 2)"), .integer(2)]])
    }

    /// A program that is not a built-in's shape is refused with what differs, not converted wrongly.
    @Test func anotherShapeIsRefused() throws {
        let config = TripstreamConfig.chicago
        var queries = Engine.builtins(config)
        queries[2].query = try QueryAnalyzer.compile("""
            SELECT window_start, window_end, pickup_community_area, MAX(fare) AS m
            FROM HOP(trips, trip_start_timestamp, INTERVAL '15' MINUTE, INTERVAL '1' HOUR)
            GROUP BY window_start, window_end, pickup_community_area
            """, name: "hotspot_community_window")
        var texts = StringInterner()
        let layout = RowLayout(queries: queries.map(\.query))
        let programs = queries.map { QueryProgram($0, layout: layout, texts: &texts) }
        #expect(throws: BuiltinStateConversion.self) {
            try BuiltinStateConversion.queryStates(of: Self.legacy(config), programs: programs, texts: &texts)
        }
    }
}
