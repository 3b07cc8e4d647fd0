import Testing
import TripCore
@testable import TripEngine
import TripSQL

/// Hand-computed cases of the SQL queries' semantics, the late bits, and their state in snapshots.
@Suite struct QueryEngineTests {
    static let hour: EventTime = 3_600_000

    static func runnable(_ sql: String, name: String = "q", delay: EventTime = 0,
                         mode: OutputMode = .append) throws -> RunnableQuery {
        RunnableQuery(query: try QueryAnalyzer.compile(sql, name: name), watermarkDelay: delay, mode: mode)
    }

    /// A row with trip_start_timestamp `t` and the given columns (text interned or coded by the layout).
    static func row(_ engine: inout Engine, _ t: EventTime?, numbers: [TripColumn: Int64] = [:],
                    texts: [TripColumn: String] = [:]) -> QueryRow {
        var row = QueryRow()
        row[.tripStartTimestamp] = t
        for (c, v) in numbers { row[c] = v }
        for (c, s) in texts {
            row[c] = switch engine.layout.textCoding[c] {
            case .interned?: Int64(engine.state.queryTexts.intern(s))
            default: engine.layout.literalCode(s, of: c)!
            }
        }
        return row
    }

    /// Ingests rows at 00:10 of the first hour, then ends the input; the one query's rows.
    static func run(_ sql: String, _ rows: [(numbers: [TripColumn: Int64], texts: [TripColumn: String])]) throws
        -> [QueryResultRow] {
        var e = Engine(config: config(), queries: [try runnable(sql)])
        for r in rows {
            _ = e.ingest(row(&e, at(10), numbers: r.numbers, texts: r.texts))
        }
        return Array(e.endEpoch(endOfInput: true).sqlQueries.first!.rows)
    }

    static let hourly = "FROM TUMBLE(trips, trip_start_timestamp, INTERVAL '1' HOUR)"

    @Test func nullGroupKeysGroupTogetherAndComeFirst() throws {
        let rows = try Self.run("SELECT window_start, window_end, company, COUNT(*) AS n \(Self.hourly) GROUP BY window_start, window_end, company", [
            ([:], [.company: "B"]), ([:], [:]), ([:], [.company: "A"]), ([:], [:]), ([:], [.company: "B"]),
        ])
        #expect(rows.map { $0.values[2] } == [.null, .text("A"), .text("B")])
        #expect(rows.map { $0.values[3] } == [.integer(2), .integer(1), .integer(2)])
    }

    @Test func notOfUnknownIsUnknown() throws {
        // fare NULL: fare > 10 is UNKNOWN, and so is NOT of it; only the row with fare 5 passes.
        let rows = try Self.run("SELECT window_start, window_end, COUNT(*) AS n \(Self.hourly) WHERE NOT (fare > 10) GROUP BY window_start, window_end", [
            ([.fare: 500], [:]), ([:], [:]), ([.fare: 1500], [:]),
        ])
        #expect(rows.map { $0.values[2] } == [.integer(1)])
        // NOT IN is NOT (x IN …): NULL stays out, 'Cash' is in the list, 'Mobile' passes.
        let notIn = try Self.run("SELECT window_start, window_end, COUNT(*) AS n \(Self.hourly) WHERE payment_type NOT IN ('Cash', 'Card') GROUP BY window_start, window_end", [
            ([:], [.paymentType: "Cash"]), ([:], [:]), ([:], [.paymentType: "Mobile"]),
        ])
        #expect(notIn.map { $0.values[2] } == [.integer(1)])
    }

    @Test func roundIsHalfAwayFromZeroBothWays() throws {
        let sql = "SELECT window_start, window_end, ROUND(AVG(fare), 2) AS a, ROUND(SUM(fare), 1) AS s, AVG(fare) AS d \(Self.hourly) GROUP BY window_start, window_end"
        // 0.01 and 0.00: average 0.005 → 0.01; sum 0.01 → 0.0.
        let up = try Self.run(sql, [([.fare: 1], [:]), ([.fare: 0], [:])])
        #expect(Array(up[0].values.dropFirst(2)) == [.decimal(1, scale: 2), .decimal(0, scale: 1), .double(0.005)])
        // -0.01 and 0.00: -0.005 → -0.01.
        let down = try Self.run(sql, [([.fare: -1], [:]), ([.fare: 0], [:])])
        #expect(Array(down[0].values.dropFirst(2)) == [.decimal(-1, scale: 2), .decimal(0, scale: 1), .double(-0.005)])
        // Sums on a tie: 0.25 → 0.3, -0.25 → -0.3; 0.24 → 0.2.
        #expect(try Self.run(sql, [([.fare: 25], [:])])[0].values[3] == .decimal(3, scale: 1))
        #expect(try Self.run(sql, [([.fare: -25], [:])])[0].values[3] == .decimal(-3, scale: 1))
        #expect(try Self.run(sql, [([.fare: 24], [:])])[0].values[3] == .decimal(2, scale: 1))
        // Below the tie stays down: (0.01 + 0.00 + 0.00) / 3 = 0.0033… → 0.00.
        #expect(try Self.run(sql, [([.fare: 1], [:]), ([.fare: 0], [:]), ([.fare: 0], [:])])[0].values[2] == .decimal(0, scale: 2))
    }

    @Test func aggregatesOverOnlyNullsAreNull() throws {
        let rows = try Self.run("SELECT window_start, window_end, SUM(fare) AS s, AVG(tips) AS a, MIN(fare) AS lo, MAX(trip_end_timestamp) AS hi, COUNT(fare) AS c, COUNT(*) AS n \(Self.hourly) GROUP BY window_start, window_end", [
            ([:], [:]), ([.tips: 5], [:]),
        ])
        #expect(Array(rows[0].values.dropFirst(2)) == [.null, .double(0.05), .null, .null, .integer(0), .integer(2)])
    }

    /// Sums are 128-bit: partial sums beyond Int64 come back exact; a final sum beyond it is NULL, not a trap.
    @Test func sumsCarryBeyondInt64() throws {
        let sql = "SELECT window_start, window_end, SUM(trip_seconds) AS s, ROUND(AVG(trip_seconds), 0) AS a, AVG(trip_seconds) AS d \(Self.hourly) GROUP BY window_start, window_end"
        let big = Int64.max
        let back = try Self.run(sql, [([.tripSeconds: big], [:]), ([.tripSeconds: big], [:]), ([.tripSeconds: -big], [:])])
        #expect(Array(back[0].values.dropFirst(2)) == [.integer(big), .decimal(big / 3 + (big % 3 * 2 >= 3 ? 1 : 0), scale: 0), .double(Double(big) / 3)])
        let negative = try Self.run(sql, [([.tripSeconds: .min], [:]), ([.tripSeconds: .min], [:])])
        #expect(Array(negative[0].values.dropFirst(2)) == [.null, .decimal(.min, scale: 0), .double(Double(Int64.min))])
    }

    @Test func lateBitsArePerQuery() throws {
        let sql = "SELECT window_start, window_end, COUNT(*) AS n FROM TUMBLE(trips, trip_start_timestamp, INTERVAL '10' MINUTE) WHERE fare > 0 GROUP BY window_start, window_end"
        var e = Engine(config: config(), queries: [try Self.runnable(sql, name: "strict"),
                                                   try Self.runnable(sql, name: "lenient", delay: Self.hour)])
        _ = e.ingest(Self.row(&e, at(30), numbers: [.fare: 100]))
        _ = e.endEpoch()  // strict's watermark 30 min; lenient's −30 min
        let strict = e.builtinCount, lenient = strict + 1  // the built-ins come first
        var late = e.ingest(Self.row(&e, at(5), numbers: [.fare: 100]))
        #expect(late.contains(query: strict) && !late.contains(query: lenient) && e.isLate(late, for: .sumFareWindow))
        // WHERE rejects it, or its time is NULL: late for no SQL query. (For sum_fare_window, it is: the day is
        // still open, and the hotspots' WHERE keeps no row without an area or a location.)
        late = e.ingest(Self.row(&e, at(5), numbers: [.fare: -1]))
        #expect(late.indices == [e.index(of: .sumFareWindow)!])
        late = e.ingest(Self.row(&e, nil, numbers: [.fare: 100]))
        #expect(late.isEmpty)
        #expect(e.state.queries.dropFirst(strict).map(\.lateRows) == [1, 0])
        #expect(e.state.counters.rowsLate == 2)
        let out = e.endEpoch(endOfInput: true)
        #expect(out.sqlQueries.map { $0.rows.count } == [1, 2])
        #expect(e.state.queries.dropFirst(strict).map(\.emittedRows) == [1, 2])
    }

    /// A busy engine with two SQL queries (one complete mode, one grouped by text and a day window).
    static func busyEngine() throws -> Engine {
        var e = Engine(config: config(delay: 60_000), queries: [
            try runnable("SELECT window_start, window_end, company, SUM(fare) AS f, ROUND(AVG(tips), 1) AS t, MAX(fare) AS m FROM HOP(trips, trip_start_timestamp, INTERVAL '5' MINUTE, INTERVAL '10' MINUTE) WHERE company <> 'X' GROUP BY window_start, window_end, company",
                         name: "by_company", delay: 60_000, mode: .complete),
            try runnable("SELECT DATE(window_start), payment_type, COUNT(*) AS n FROM TUMBLE(trips, trip_start_timestamp, INTERVAL '1' DAY) WHERE payment_type IN ('Cash', 'Card') GROUP BY DATE(window_start), payment_type",
                         name: "daily", mode: .update),
        ])
        for i in 0..<200 {
            let r = row(&e, at(Double(i % 50) * 0.7 + Double(i / 50) * 9),
                        numbers: i % 5 == 0 ? [:] : [.fare: Int64(i), .tips: Int64(i % 7)],
                        texts: [.company: ["A", "B", "X"][i % 3], .paymentType: ["Cash", "Card", "Other"][i % 4 % 3]])
            _ = e.ingest(r)
            if i % 40 == 39 { _ = e.endEpoch() }
        }
        return e
    }

    @Test func snapshotWithQueriesRoundTripsAndResumes() throws {
        var a = try Self.busyEngine()
        let bytes = a.state.snapshot()
        let restored = try EngineState(snapshot: bytes)
        #expect(restored == a.state)
        #expect(restored.snapshot() == bytes)
        let byCompany = a.state.queries[a.builtinCount]
        #expect(!byCompany.retained.isEmpty && !byCompany.windows.isEmpty)
        var b = Engine(config: a.config, queries: try Self.busyEngine().programs.dropFirst(a.builtinCount).map {
            RunnableQuery(query: $0.query, watermarkDelay: $0.watermarkDelay, mode: $0.mode)
        }, state: restored)
        for i in 0..<30 {
            let numbers: [TripColumn: Int64] = [.fare: Int64(i * 3), .tips: Int64(i % 4)]
            let texts: [TripColumn: String] = [.company: ["C", "A"][i % 2], .paymentType: "Cash"]
            let ra = Self.row(&a, at(40 + Double(i)), numbers: numbers, texts: texts)
            let rb = Self.row(&b, at(40 + Double(i)), numbers: numbers, texts: texts)
            #expect(a.ingest(ra) == b.ingest(rb))
            if i == 15 { #expect(a.endEpoch() == b.endEpoch()) }
        }
        #expect(a.endEpoch(endOfInput: true) == b.endEpoch(endOfInput: true))
        #expect(a.state == b.state)
        #expect(a.state.snapshot() == b.state.snapshot())
    }

    @Test func corruptQuerySectionsAreErrors() throws {
        let bytes = try Self.busyEngine().state.snapshot()
        for cut in [1, 9, 40, bytes.count / 3] {
            #expect(throws: SnapshotError.self) { try EngineState(snapshot: Array(bytes.dropLast(cut))) }
        }
        #expect(throws: SnapshotError.self) { try EngineState(snapshot: bytes + [0]) }
    }
}
