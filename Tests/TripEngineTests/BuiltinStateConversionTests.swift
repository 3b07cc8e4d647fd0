import Testing
import TripCore
@testable import TripEngine
import TripFixtures
import TripSQL

/// The hand-wired built-ins' state converts into the states their own SQL texts build (`BuiltinStateConversion`):
/// the engine runs the built-ins and their SQL twins on the same random trips (NULL money, missing areas and
/// locations, late rows), and after every epoch the built-ins' state converted equals the twins' state, window for
/// window and word for word; an engine resumed from the converted state goes on emitting exactly the twins' rows.
@Suite struct BuiltinStateConversionTests {
    static let locations = (0..<25).map { "POINT (-87.\(600 + $0 * 7) 41.\(800 + $0 * 3))" }

    /// One window or retained window of a query, by its group values rather than the id they got.
    struct Window: Hashable {
        let start: EventTime
        let group: [Int64?]
        let words: [Int64]
    }

    /// What a query state means, independent of the order group ids and slab rows were handed out in.
    struct Meaning: Equatable {
        let watermark, maxTime, lateRows, emittedRows: Int64
        let open: Set<Window>
        let retained: Set<Window>

        init(_ q: QueryState) {
            watermark = q.watermark
            maxTime = q.maxTime
            lateRows = q.lateRows
            emittedRows = q.emittedRows
            func windows(_ slab: WindowSlab) -> Set<Window> {
                Set((0..<slab.count).map { i in
                    Window(start: slab.start(i), group: (0..<q.groups.arity).map { q.groups.value(slab.group(i), $0) },
                           words: Array(slab.words(i)))
                })
            }
            open = windows(q.windows)
            retained = windows(q.retained)
        }

        /// A short account of how it differs from `other`: the counters, and a few windows only one side has.
        func difference(from other: Meaning) -> String {
            let counters = "watermark \(watermark)/\(other.watermark), max time \(maxTime)/\(other.maxTime), late \(lateRows)/\(other.lateRows), emitted \(emittedRows)/\(other.emittedRows)"
            return counters + "; open only here \(open.subtracting(other.open).prefix(2)), only there \(other.open.subtracting(open).prefix(2)); retained differ in \(retained.symmetricDifference(other.retained).count)"
        }
    }

    static func trip(_ g: inout SplitMix64, _ engine: inout Engine, base: EventTime) -> (Trip, QueryRow) {
        // Within the epoch's five hours, one row in ten up to three hours earlier (late for some windows).
        let t = base + Int64(g.next() % 18_000_000) - (g.next() % 10 == 0 ? Int64(g.next() % 10_800_000) : 0)
        func money() -> Int64? { g.next() % 10 == 0 ? nil : Int64(g.next() % 9_000) }
        let fare = money(), tips = money(), total = money()
        let area: Int32? = g.next() % 8 == 0 ? nil : Int32(1 + g.next() % 77)
        let location: String? = g.next() % 6 == 0 ? nil : locations[Int(g.next() % UInt64(locations.count))]
        let trip = Trip(eventTime: t, fareCents: fare, tipsCents: tips, tripTotalCents: total, communityArea: area,
                        pickupLocation: location.map { engine.state.locations.intern($0) })
        var row = QueryRow()
        row[.tripStartTimestamp] = t
        row[.fare] = fare
        row[.tips] = tips
        row[.tripTotal] = total
        row[.pickupCommunityArea] = area.map(Int64.init)
        row[.pickupCentroidLocation] = location.map { Int64(engine.state.queryTexts.intern($0)) }
        return (trip, row)
    }

    @Test(arguments: ["chicago", "seed"], [OutputMode.append, .update, .complete])
    func theBuiltinsStateBecomesTheirSQLQueriesState(profile: String, mode: OutputMode) throws {
        var config = try #require(TripstreamConfig.profile(profile))
        for q in QueryName.allCases { config[q].mode = mode }
        let twins = try QueryName.allCases.map { q in
            RunnableQuery(query: try BuiltinQueries.query(q, in: config), watermarkDelay: config[q].watermarkDelay,
                          mode: config[q].mode)
        }
        var engine = Engine(config: config, queries: twins)
        var g = SplitMix64(seed: profile == "seed" ? 7 : 8)
        let base: EventTime = 1_425_621_600_000  // 2015-03-06 00:00 in Chicago
        var resumed: Engine?
        var compared = 0, late: Int64 = 0
        for epoch in 1...12 {
            for _ in 0..<400 {
                let (trip, row) = Self.trip(&g, &engine, base: base + Int64(epoch) * 3_600_000 * 5)
                _ = engine.ingest(trip, row: row)
                if var r = resumed {
                    resumed = nil  // one owner while it changes
                    var rowCopy = QueryRow()
                    for c in TripColumn.allCases { rowCopy[c] = row[c] }
                    _ = r.ingest(trip, row: rowCopy)
                    resumed = r
                }
            }
            // Mid-epoch (every window still open) and at the epoch's end, when a checkpoint is written.
            func convert() throws -> ([QueryState], StringInterner) {
                var texts = engine.state.queryTexts
                let converted = try BuiltinStateConversion.queryStates(of: engine.state, programs: engine.programs,
                                                                       texts: &texts)
                #expect(texts.count == engine.state.queryTexts.count, "every location was a twin's text already")
                for (c, twin) in zip(converted, engine.state.queries) {
                    let (a, b) = (Meaning(c), Meaning(twin))
                    // Not `a == b` inside #expect: on failure it would print every window of both.
                    let same = a == b
                    #expect(same, "\(profile) \(mode) epoch \(epoch) \(twin.name): \(a.difference(from: b))")
                    compared += c.windows.count + c.retained.count
                    late += c.lateRows
                }
                return (converted, texts)
            }
            _ = try convert()
            let out = engine.endEpoch(endOfInput: epoch == 12)
            if var r = resumed {
                let other = r.endEpoch(endOfInput: epoch == 12)
                #expect(other.queries.map { Array($0.rows) } == out.queries.map { Array($0.rows) }, "epoch \(epoch)")
                resumed = r
            }
            let (converted, texts) = try convert()
            if epoch == 6 {
                var state = engine.state
                state.queries = converted
                state.queryTexts = texts
                resumed = Engine(config: config, queries: twins, state: state)
            }
        }
        #expect(compared > 1_000 && late > 0, "compared \(compared) windows, \(late) late rows")
    }

    /// A program that is not a built-in's shape is refused with what differs, not converted wrongly.
    @Test func anotherShapeIsRefused() throws {
        let config = TripstreamConfig.chicago
        var queries = try QueryName.allCases.map { q in
            RunnableQuery(query: try BuiltinQueries.query(q, in: config), watermarkDelay: 0, mode: .append)
        }
        queries[2].query = try QueryAnalyzer.compile("""
            SELECT window_start, window_end, pickup_community_area, MAX(fare) AS m
            FROM HOP(trips, trip_start_timestamp, INTERVAL '15' MINUTE, INTERVAL '1' HOUR)
            GROUP BY window_start, window_end, pickup_community_area
            """, name: "hotspot_community_window")
        var engine = Engine(config: config, queries: queries)
        var g = SplitMix64(seed: 1)
        let (trip, row) = Self.trip(&g, &engine, base: 1_425_621_600_000)
        _ = engine.ingest(trip, row: row)
        var texts = engine.state.queryTexts
        #expect(throws: BuiltinStateConversion.self) {
            try BuiltinStateConversion.queryStates(of: engine.state, programs: engine.programs, texts: &texts)
        }
    }
}
