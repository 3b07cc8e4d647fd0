import Testing
import TripCore
@testable import TripEngine

/// Minutes since 2015-04-18 00:00 UTC, as event time in ms.
func at(_ minutes: Double) -> EventTime {
    EventTime(CivilDate.dayNumber(year: 2015, month: 4, day: 18)) * 86_400_000 + EventTime(minutes * 60_000)
}

func config(window: EventTime = 600_000, slide: EventTime = 300_000, delay: EventTime = 0,
            mode: OutputMode = .update) -> TripstreamConfig {
    var c = TripstreamConfig.chicago
    c.timeZone = .utc
    c.sumFareWindow = QuerySettings(window: .tumbling(window), watermarkDelay: delay, mode: mode)
    c.tripsTotal = QuerySettings(window: TripstreamConfig.dayWindow, watermarkDelay: delay, mode: mode)
    c.hotspotCommunityWindow = QuerySettings(window: WindowSpec(length: window, slide: slide), watermarkDelay: delay, mode: mode)
    c.hotspotWindow = QuerySettings(window: WindowSpec(length: window, slide: slide), watermarkDelay: delay, mode: mode)
    return c
}

func trip(_ minutes: Double, fare: Int64? = 100, tips: Int64? = 10, total: Int64? = 110, area: Int32? = 8) -> Trip {
    Trip(eventTime: at(minutes), fareCents: fare, tipsCents: tips, tripTotalCents: total, communityArea: area)
}

/// Starts of the windows `w` assigns `t` to, latest first (every `lastStart - k * slide` while the window still
/// holds `t`), as the engine's loop walks them.
func windowStarts(_ w: WindowSpec, containing t: EventTime) -> [EventTime] {
    Array(stride(from: w.lastStart(containing: t), to: t - w.length, by: -Int(w.slide)))
}

/// A window's start in minutes since `at(0)`.
func minutes(_ t: EventTime) -> EventTime { (t - at(0)) / 60_000 }

extension QueryResultRow {
    /// The value of output `i`: a decimal's fixed-point number (cents), an integer, a text; nil for NULL.
    func number(_ i: Int) -> Int64? {
        switch values[i] {
        case .decimal(let n, _), .integer(let n): n
        default: nil
        }
    }
    func text(_ i: Int) -> String? { if case .text(let s) = values[i] { s } else { nil } }
}

@Suite struct WindowTests {
    @Test func tumblingAssignmentIncludesStartExcludesEnd() {
        let w = WindowSpec.tumbling(600_000)
        #expect(windowStarts(w, containing: at(10)) == [at(10)])  // exactly on an edge: the window that starts there
        #expect(windowStarts(w, containing: at(9.99)) == [at(0)])
    }

    @Test func slidingWindowsOverlap() {
        let w = WindowSpec(length: 600_000, slide: 300_000)  // 10 min every 5 min
        #expect(windowStarts(w, containing: at(7)) == [at(5), at(0)])
        #expect(windowStarts(w, containing: at(10)) == [at(10), at(5)])  // on an edge: [10,20) and [5,15)
        // Spark's example: 1 h windows sliding 15 min → 4 windows per event
        let hour = WindowSpec(length: 3_600_000, slide: 900_000)
        #expect(windowStarts(hour, containing: at(61)) == [at(60), at(45), at(30), at(15)])
    }

    @Test func windowsBefore1970UseFloor() {
        let w = WindowSpec.tumbling(600_000)
        #expect(w.lastStart(containing: -1) == -600_000)
    }
}

@Suite struct EngineTests {
    @Test func tumblingSumsAreHandComputed() {
        var e = Engine(config: config())
        _ = e.ingest(trip(1, fare: 100, tips: 10, total: 110))
        _ = e.ingest(trip(9.5, fare: 250, tips: nil, total: 300))
        _ = e.ingest(trip(10, fare: nil, tips: 5, total: nil))  // next window
        let out = e.endEpoch(endOfInput: true)
        let rows = out[.sumFareWindow].rows  // window_start, window_end, total_fare, tips_fare, total_trip_total, trips
        #expect(rows.count == 2)
        let w0 = rows[0], w1 = rows[1]
        #expect(w0.windowStart == at(0) && w0.windowEnd == at(10))
        #expect(w0.number(2) == 350 && w0.number(3) == 10 && w0.number(4) == 410 && w0.number(5) == 2)
        #expect(w1.windowStart == at(10))
        #expect(w1.number(2) == nil && w1.number(3) == 5 && w1.number(4) == nil && w1.number(5) == 1)
        #expect(rows.allSatisfy { $0.final })
    }

    @Test func slidingCountsPerGroup() {
        var e = Engine(config: config())
        _ = e.ingest(trip(2, area: 8))
        _ = e.ingest(trip(7, area: 8))
        _ = e.ingest(trip(7, area: 32))
        _ = e.ingest(trip(12, area: nil))  // no area: not counted by the community query
        let out = e.endEpoch(endOfInput: true)
        let got = out[.hotspotCommunityWindow].rows.map { "\(minutes($0.windowStart))-\($0.number(2)!)=\($0.number(3)!)" }
        // windows [-5,5) [0,10) [5,15): t=2 → [-5,5),[0,10); t=7 → [0,10),[5,15)
        #expect(got == ["-5-8=1", "0-8=2", "0-32=1", "5-8=1", "5-32=1"])
    }

    @Test func locationsAreCountedByName() {
        var e = Engine(config: config())
        _ = e.ingest(trip(1), location: "POINT (3 4)")
        _ = e.ingest(trip(2), location: "POINT (1 2)")
        _ = e.ingest(trip(3), location: "POINT (3 4)")
        _ = e.ingest(trip(4))  // no location: not counted by the location query
        let out = e.endEpoch(endOfInput: true)
        let inFirst = out[.hotspotWindow].rows.filter { $0.windowStart == at(0) }
        #expect(inFirst.map { $0.text(2) } == ["POINT (1 2)", "POINT (3 4)"])  // in text order
        #expect(inFirst.map { $0.number(3) } == [1, 2])
    }

    @Test func watermarkAdvancesAtEpochEndAndFinalizes() {
        var e = Engine(config: config(delay: 120_000))  // 2 min delay
        _ = e.ingest(trip(1))
        _ = e.ingest(trip(11))
        var out = e.endEpoch()
        // max event 11 min → watermark 9 min: nothing ends by 9 min for 10-min windows... [-5,5) does
        #expect(out[.sumFareWindow].watermark == at(9))
        #expect(out[.sumFareWindow].rows.map(\.final) == [false, false])
        #expect(out[.hotspotCommunityWindow].rows.filter(\.final).map { $0.windowStart } == [at(-5)])
        _ = e.ingest(trip(13))
        out = e.endEpoch()  // watermark 11 min: [0,10) final
        #expect(out[.sumFareWindow].watermark == at(11))
        #expect(out[.sumFareWindow].rows.map { "\(minutes($0.windowStart)):\($0.final)" } == ["0:true", "10:false"])
        // The final window was evicted: the next epoch updates only [10,20).
        _ = e.ingest(trip(14))
        #expect(e.endEpoch()[.sumFareWindow].rows.map { minutes($0.windowStart) } == [10])
    }

    @Test func rowsBehindTheWatermarkForAllWindowsAreLate() {
        var e = Engine(config: config(delay: 0))
        _ = e.ingest(trip(25))
        _ = e.endEpoch()  // watermark 25 min
        // t=12: tumbling [10,20) ended → late; sliding [10,20) ended but [5,15)? ended too → late
        let late = e.ingest(trip(12))
        #expect(e.isLate(late, for: .sumFareWindow))
        #expect(e.isLate(late, for: .hotspotCommunityWindow))
        #expect(!e.isLate(late, for: .tripsTotal))  // the day is still open
        // t=22: tumbling [20,30) open; sliding [20,30) open, [15,25) ended → counted only in the open one
        let partly = e.ingest(trip(22))
        #expect(partly.isEmpty)
        let out = e.endEpoch(endOfInput: true)
        // [20,30) holds t=25 and t=22; [15,25) was already final when t=22 came; [25,35) holds t=25
        #expect(out[.hotspotCommunityWindow].rows.map { "\(minutes($0.windowStart))=\($0.number(3)!)" } == ["20=2", "25=1"])
        #expect(e.state.counters.rowsLate == 1)
        #expect(out[.sumFareWindow].rowsLate == 1 && out[.tripsTotal].rowsLate == 0)
    }

    @Test func outputModes() {
        func run(_ mode: OutputMode) -> [EpochOutput] {
            var e = Engine(config: config(delay: 0, mode: mode))
            var outs: [EpochOutput] = []
            _ = e.ingest(trip(1)); outs.append(e.endEpoch())   // wm 1
            _ = e.ingest(trip(12)); outs.append(e.endEpoch())  // wm 12: [0,10) final
            outs.append(e.endEpoch())                            // nothing new
            outs.append(e.endEpoch(endOfInput: true))            // all final
            return outs
        }
        let append = run(.append).map { $0[.sumFareWindow].rows.map { (minutes($0.windowStart), $0.final) } }
        #expect(append.map { $0.map(\.0) } == [[], [0], [], [10]])
        #expect(append.allSatisfy { $0.allSatisfy { $0.1 } })
        let update = run(.update).map { $0[.sumFareWindow].rows.map { (minutes($0.windowStart), $0.final) } }
        #expect(update.map { $0.map(\.0) } == [[0], [0, 10], [], [10]])
        #expect(update.map { $0.map(\.1) } == [[false], [true, false], [], [true]])
        let complete = run(.complete).map { $0[.sumFareWindow].rows.map { (minutes($0.windowStart), $0.final) } }
        #expect(complete.map { $0.map(\.0) } == [[0], [0, 10], [0, 10], [0, 10]])
        #expect(complete.map { $0.map(\.1) } == [[false], [true, false], [true, false], [true, true]])
    }

    @Test func dayAggregatesFollowChicagoDaysAcrossDST() {
        var c = config()
        c.timeZone = ZoneRules(identifier: "America/Chicago")!
        var e = Engine(config: c)
        func utcMs(_ d: Int, _ h: Int, _ m: Int = 0) -> EventTime {
            EventTime(CivilDate.dayNumber(year: 2015, month: 3, day: d)) * 86_400_000 + EventTime(h * 60 + m) * 60_000
        }
        _ = e.ingest(Trip(eventTime: utcMs(8, 5, 59), tipsCents: 100))   // 03-07 23:59 CST
        _ = e.ingest(Trip(eventTime: utcMs(8, 6), tipsCents: 200))       // 03-08 00:00 CST
        _ = e.ingest(Trip(eventTime: utcMs(9, 4, 59), tipsCents: 301))   // 03-08 23:59 CDT
        _ = e.ingest(Trip(eventTime: utcMs(9, 5), tipsCents: nil))       // 03-09 00:00 CDT
        let days = e.endEpoch(endOfInput: true)[.tripsTotal].rows  // day, trips_total, fare_total, tips_avg, …
        #expect(days.map { $0.values[0] } == [7, 8, 9].map { .date(Int64(CivilDate.dayNumber(year: 2015, month: 3, day: $0))) })
        #expect(days.map { $0.number(1) } == [1, 2, 1])
        #expect(days[1].number(3) == 251)  // 250.5 rounds half away from zero
        #expect(days[2].number(3) == nil)
        // The local days' bounds: 23 hours on the day the clocks go forward.
        #expect(days[1].windowStart == utcMs(8, 6) && days[1].windowEnd == utcMs(9, 5))
    }

    @Test func dayIsLateOnlyAfterLocalMidnightPassesTheWatermark() {
        var c = config(delay: 0)
        c.timeZone = ZoneRules(identifier: "America/Chicago")!
        var e = Engine(config: c)
        _ = e.ingest(Trip(eventTime: at(6 * 60)))  // 2015-04-18 01:00 CDT
        _ = e.endEpoch()
        #expect(!e.isLate(e.ingest(Trip(eventTime: at(5 * 60))), for: .tripsTotal))  // 00:00 CDT same day
        #expect(e.isLate(e.ingest(Trip(eventTime: at(4 * 60 + 59))), for: .tripsTotal))  // 04-17 23:59 CDT: ended
    }

    /// A disabled built-in is not run: no state, no rows, never late; the others keep their results and places.
    @Test func aDisabledBuiltinDoesNotRun() {
        var c = config(delay: 0)
        c.tripsTotal.enabled = false
        var e = Engine(config: c)
        #expect(e.builtinCount == 3 && e.index(of: .tripsTotal) == nil && e.state.queries.count == 3)
        _ = e.ingest(trip(25))
        _ = e.endEpoch()
        let late = e.ingest(trip(12))
        #expect(e.isLate(late, for: .sumFareWindow) && !e.isLate(late, for: .tripsTotal))
        let out = e.endEpoch(endOfInput: true)
        #expect(out.queries.map(\.name) == ["sum_fare_window", "hotspot_community_window", "hotspot_window"])
        #expect(out[.sumFareWindow].rows.map { minutes($0.windowStart) } == [20])
        #expect(out.sqlQueries.isEmpty)
    }
}
