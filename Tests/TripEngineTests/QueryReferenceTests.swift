import Testing
import TripCore
import TripEngine
import TripFixtures
import TripSQL

/// Random SQL queries over random rows, run by the engine and by `ReferenceRun`, compared epoch by epoch:
/// results, watermarks and late bits, in both orders of each epoch's rows.
@Suite struct QueryReferenceTests {
    static let zone = "America/Chicago"
    /// Mornings before the DST changes of 2015 in Chicago (8 March, 1 November): three days of rows cross one.
    static let bases: [EventTime] = [
        EventTime(CivilDate.dayNumber(year: 2015, month: 3, day: 7)) * 86_400_000 + 6 * 3_600_000,
        EventTime(CivilDate.dayNumber(year: 2015, month: 10, day: 31)) * 86_400_000 + 5 * 3_600_000,
    ]
    static let companies = ["A", "B", "Ç", "a", "", "O'Hare"]
    static let payments = ["Cash", "Credit Card", "Mobile"]
    static let numeric: [TripColumn] = [.fare, .tips, .tripMiles, .tripSeconds, .pickupCommunityArea, .pickupCentroidLatitude]

    static func randomRow(_ g: inout SplitMix64, time: EventTime) -> RefRow {
        var r = RefRow()
        func maybe(_ c: TripColumn, _ p: Double = 0.15, _ v: () -> Int64) { if !g.chance(p) { r.numbers[c] = v() } }
        if !g.chance(0.03) { r.numbers[.tripStartTimestamp] = time }
        maybe(.tripEndTimestamp, 0.1) { time + Int64(g.below(3 * 3_600_000)) }
        maybe(.fare) { Int64(g.below(3_000)) - 300 }
        maybe(.tips) { Int64(g.below(21)) - 10 }  // small: averages land on ties
        maybe(.tripMiles) { Int64(g.below(5)) }
        maybe(.tripSeconds) { Int64(g.below(100)) - 5 }
        maybe(.pickupCommunityArea, 0.2) { Int64(g.below(5)) + 1 }
        maybe(.pickupCentroidLatitude) { 41_800_000_000 + Int64(g.below(200_000_000)) - 100_000_000 }
        if !g.chance(0.2) { r.texts[.company] = companies[g.below(companies.count)] }
        if !g.chance(0.1) { r.texts[.paymentType] = payments[g.below(payments.count)] }
        if !g.chance(0.1) { r.texts[.taxiID] = "t\(g.below(4))" }
        return r
    }

    static func literal(_ g: inout SplitMix64, _ c: TripColumn) -> RefLiteral {
        switch c {
        case .company: .text(companies[g.below(companies.count)])
        case .paymentType: .text(g.chance(0.8) ? payments[g.below(payments.count)] : "Unknown")
        case .taxiID: .text("t\(g.below(5))")
        case .fare: .number(Int64(g.below(2_000)) - 200)
        case .tips: .number(Int64(g.below(11)) - 5)
        case .pickupCentroidLatitude: .number(41_800_000_000 + Int64(g.below(100_000_000)) - 50_000_000)
        default: .number(Int64(g.below(6)))
        }
    }

    static func condition(_ g: inout SplitMix64, depth: Int) -> RefCondition {
        let columns: [TripColumn] = numeric + [.company, .paymentType, .taxiID, .tripEndTimestamp]
        if depth > 0 && g.chance(0.45) {
            switch g.below(3) {
            case 0: return .not(condition(&g, depth: depth - 1))
            case 1: return .and(condition(&g, depth: depth - 1), condition(&g, depth: depth - 1))
            default: return .or(condition(&g, depth: depth - 1), condition(&g, depth: depth - 1))
            }
        }
        let c = columns[g.below(columns.count)]
        if c.type == .timestamp || g.chance(0.2) { return .isNull(c, negated: g.chance(0.5)) }
        if g.chance(0.25) {
            return .oneOf(c, (0...g.below(3)).map { _ in literal(&g, c) }, negated: g.chance(0.5))
        }
        let ops: [Comparison] = c.type == .text ? [.equal, .notEqual]
            : [.equal, .notEqual, .less, .lessOrEqual, .greater, .greaterOrEqual]
        return .compare(c, ops[g.below(ops.count)], literal(&g, c))
    }

    static func aggregate(_ g: inout SplitMix64) -> RefAggregate {
        let kinds: [Aggregate.Kind] = [.countRows, .count, .sum, .avg, .min, .max]
        let kind = kinds[g.below(kinds.count)]
        switch kind {
        case .countRows: return RefAggregate(kind: kind)
        case .count:
            let all = numeric + [.company, .tripEndTimestamp]
            return RefAggregate(kind: kind, column: all[g.below(all.count)])
        case .min, .max:
            let all = numeric + [.tripEndTimestamp]
            return RefAggregate(kind: kind, column: all[g.below(all.count)])
        default:
            return RefAggregate(kind: kind, column: numeric[g.below(numeric.count)], round: g.chance(0.5) ? g.below(10) : nil)
        }
    }

    static func query(_ g: inout SplitMix64) -> RefQuery {
        let time: TripColumn = g.chance(0.75) ? .tripStartTimestamp : .tripEndTimestamp
        let window: RefQuery.Window
        switch g.below(3) {
        case 0: window = .day(byDate: g.chance(0.5))
        case 1:
            let size = Int64([15, 30, 37, 60, 120][g.below(5)]) * 60_000
            window = .hop(slide: size, size: size)
        default:
            let slide = Int64([10, 15, 30, 60][g.below(4)]) * 60_000
            window = .hop(slide: slide, size: slide + Int64(g.below(4)) * slide + Int64(g.below(2)) * 7 * 60_000)
        }
        let candidates: [TripColumn] = [.company, .paymentType, .pickupCommunityArea, .tips]
        let groups = Array(candidates.shuffled(using: &g).prefix(g.below(3)))
        let aggregates = (0...g.below(4)).map { _ in aggregate(&g) }
        var outputs: [RefQuery.Output] = aggregates.indices.map { .aggregate($0) } + groups.indices.map { .group($0) }
        if case .day(true) = window { outputs.append(.day) } else { outputs += [.windowStart, .windowEnd] }
        return RefQuery(timeColumn: time, window: window, condition: g.chance(0.6) ? condition(&g, depth: 3) : nil,
                        groups: groups, aggregates: aggregates, outputs: outputs.shuffled(using: &g))
    }

    /// The row as a decoder fills it under the engine's layout (text interned or coded by literal).
    static func queryRow(_ r: RefRow, _ engine: inout Engine) -> QueryRow {
        var row = QueryRow()
        for c in engine.layout.columns {
            if c.type == .text {
                guard let s = r.texts[c] else { continue }
                row[c] = switch engine.layout.textCoding[c]! {
                case .interned: Int64(engine.state.queryTexts.intern(s))
                case .literals: engine.layout.literalCode(s, of: c)!
                }
            } else {
                row[c] = r.numbers[c]
            }
        }
        return row
    }

    /// Two random queries over random rows in random epochs; the engine in both row orders against the reference.
    func check(seed: UInt64) throws {
        var g = SplitMix64(seed: seed)
        let refs = [Self.query(&g), Self.query(&g)]
        let modes: [OutputMode] = [.append, .update, .complete]
        let settings = refs.map { _ in (delay: EventTime(g.below(4)) * 30 * 60_000, mode: modes[g.below(3)]) }
        let runnables = try zip(refs.indices, refs).map { i, ref in
            RunnableQuery(query: try QueryAnalyzer.compile(ref.sql, name: "q\(i)"),
                          watermarkDelay: settings[i].delay, mode: settings[i].mode)
        }
        let base = Self.bases[g.below(Self.bases.count)]
        let count = 60 + g.below(200)
        let span: EventTime = 3 * 86_400_000
        let rows = (0..<count).map { i -> RefRow in
            var t = base + span * EventTime(i) / EventTime(count) + EventTime(g.below(600_000))
            if g.chance(0.15) { t -= EventTime(g.below(6 * 3_600_000)) }  // behind: late for some windows
            return Self.randomRow(&g, time: t)
        }
        var cuts = (0..<g.below(6)).map { _ in g.below(count) }.sorted()
        cuts = [0] + cuts + [count]
        let epochs = (0..<cuts.count - 1).map { Array(rows[cuts[$0]..<cuts[$0 + 1]]) }

        var config = TripstreamConfig.chicago
        config.timeZone = ZoneRules(identifier: Self.zone)!
        for reversed in [false, true] {
            var engine = Engine(config: config, queries: runnables)
            var reference = refs.indices.map { ReferenceRun(refs[$0], delay: settings[$0].delay, mode: settings[$0].mode, zone: Self.zone) }
            var lateRows = [Int64](repeating: 0, count: refs.count)
            let first = engine.builtinCount  // the built-ins' queries come first; only the SQL queries are compared
            for (e, epoch) in epochs.enumerated() {
                for r in reversed ? epoch.reversed() : epoch {
                    let row = Self.queryRow(r, &engine)
                    let late = engine.ingest(row)
                    for q in refs.indices {
                        let expected = reference[q].ingest(r, epoch: e)
                        if expected { lateRows[q] += 1 }
                        #expect(late.contains(query: first + q) == expected, "seed \(seed) query \(q): \(refs[q].sql)")
                    }
                }
                let last = e == epochs.count - 1
                let out = engine.endEpoch(endOfInput: last)
                #expect(out.sqlQueries.map(\.name) == ["q0", "q1"])
                for q in refs.indices {
                    let expected = reference[q].endEpoch(e, last: last)
                    let got = out.queries[first + q]
                    #expect(got.watermark == reference[q].watermark)
                    #expect(sameRows(Array(got.rows), expected),
                            "seed \(seed) epoch \(e) query \(q) (\(settings[q].mode), delay \(settings[q].delay)): \(refs[q].sql)\ngot \(got.rows)\nexpected \(expected)")
                }
            }
            #expect(engine.state.queries.dropFirst(first).map(\.lateRows) == lateRows)
        }
    }

    @Test(arguments: 0..<8) func randomQueriesMatchTheReference(batch: Int) throws {
        for i in 0..<14 { try check(seed: UInt64(batch * 1000 + i)) }
    }
}
