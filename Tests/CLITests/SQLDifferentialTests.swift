import Foundation
import Testing
import TripCore
import TripFixtures
import TripSQL
import TripSQLite
import TripTesting

/// The differential test of streaming SQL (docs/streaming-sql.md, "Differential test"): random valid queries,
/// several per configuration, replayed by the built binary over generated input with bad and late rows, in both
/// orders; every mirror table, the late dead letters and `query_progress` compared with the same aggregation
/// computed in SQLite from the generator's own values (`DiffTruth`). The four built-ins validate the harness
/// first: their SQL's truth must equal their tables.
///
/// Here rather than in EndToEndTests: the contract under test is the command line's (`replay --config`, the
/// configuration's `queries`, the mirror), and a user's query goes through the same resolve step as there.
@Suite(.serialized) struct SQLDifferentialTests {
    static let environment = ProcessInfo.processInfo.environment
    static let seed = environment["TRIPSTREAM_SQL_DIFF_SEED"].flatMap { UInt64($0) } ?? 16
    static let queryCount = environment["TRIPSTREAM_SQL_DIFF_QUERIES"].flatMap { Int($0) } ?? 200
    static let perConfig = 10
    static let rows = 2400
    /// Small epochs in file order so that out-of-order rows are late; larger ones in event-time order.
    static let epochRows: [DiffOrder: Int] = [.file: 60, .eventTime: 150]

    /// Replays `input` with `arguments` (configuration or profile) into a new mirror; nil and an issue on failure.
    static func replay(_ input: DiffInput, order: DiffOrder, _ arguments: [String], dir: String, label: String) throws -> SQLiteDatabase? {
        let db = "\(dir)/\(label)-\(order.rawValue).sqlite"
        let r = try tripstream(["replay", input.path, "--db", db, "--order", order.rawValue,
                                "--epoch-rows", String(epochRows[order]!), "--no-checkpoint", "--quiet"] + arguments)
        guard r.status == 0 else {
            Issue.record("replay \(label) --order \(order.rawValue) failed (\(r.status)): \(r.stderr)")
            return nil
        }
        return try SQLiteDatabase(path: db)
    }

    /// The built-ins' tables equal their SQL's truth (SQLite's GROUP BY over the raw rows), on both profiles and
    /// both orders: the harness (input, epochs, watermarks, lateness, windows, days, rounding, rejections) and the
    /// built-ins, which the engine runs from these SQL texts, agree.
    @Test(arguments: ["chicago", "seed"])
    func builtinTablesEqualTheirSQLsTruth(profile: String) throws {
        let config: TripstreamConfig = profile == "seed" ? .seed : .chicago
        let queries = QueryName.allCases.map { DiffQuery.builtin($0, in: config) }
        for (name, q) in zip(QueryName.allCases, queries) {
            let theirs = try QueryAnalyzer.compile(BuiltinQueries.sql(name, in: config), name: q.name)
            #expect(try QueryAnalyzer.compile(q.sql, name: q.name).normalizedSQL == theirs.normalizedSQL)
        }
        let dir = scratchDirectory("sqldiff")
        let input = try DiffInput.generate(rows: Self.rows, seed: Self.seed, in: dir)
        var late = 0
        for order in DiffOrder.allCases {
            guard let db = try Self.replay(input, order: order, ["--profile", profile], dir: dir, label: profile) else { continue }
            let truth = try DiffTruth(db: db, input: input, queries: queries, order: order, epochRows: Self.epochRows[order]!)
            for problem in try truth.rejectionProblems() {
                Issue.record("seed \(Self.seed), profile \(profile), order \(order.rawValue): \(problem)")
            }
            for q in queries {
                let check = try truth.check(q)
                for problem in check.problems {
                    Issue.record("seed \(Self.seed), profile \(profile), order \(order.rawValue): \(problem)")
                }
                #expect(check.truthRows > 0, "\(q.name): no rows")
                late += check.lateRows
            }
        }
        #expect(late > 0, "no row was late: the input does not exercise lateness")
        try expectWrongTruthsFail(config: config, input: input, dir: dir, profile: profile)
    }

    /// The built-ins under other shapes and delays (a size no multiple of its slide, seconds, delays of 0 and
    /// hours), as the configuration file sets them: the truth of the windows random queries use.
    @Test func builtinsUnderOtherSettingsEqualTheirSQLsTruth() throws {
        let dir = scratchDirectory("sqldiff")
        let path = "\(dir)/builtins.json"
        try """
            {"queries": {"sum_fare_window": {"window": "7m", "watermark": "0s", "mode": "update"},
                         "trips_total": {"watermark": "0s"},
                         "hotspot_community_window": {"window": "50m", "slide": "15m", "watermark": "5m"},
                         "hotspot_window": {"window": "95s", "slide": "30s", "watermark": "2h", "mode": "complete"}}}
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let config = try TripstreamConfig.load(jsonFile: path)
        let queries = QueryName.allCases.map { DiffQuery.builtin($0, in: config) }
        let input = try DiffInput.generate(rows: Self.rows, seed: Self.seed &+ 1, in: dir)
        for order in DiffOrder.allCases {
            guard let db = try Self.replay(input, order: order, ["--config", path], dir: dir, label: "builtins") else { continue }
            let truth = try DiffTruth(db: db, input: input, queries: queries, order: order, epochRows: Self.epochRows[order]!)
            for problem in try truth.rejectionProblems() + queries.flatMap({ try truth.check($0).problems }) {
                Issue.record("seed \(Self.seed &+ 1), order \(order.rawValue): \(problem)")
            }
        }
    }

    /// The comparison can fail: queries the built-ins do not compute (a rounding digit, a filter, NULL groups,
    /// a longer delay) differ from their tables.
    func expectWrongTruthsFail(config: TripstreamConfig, input: DiffInput, dir: String, profile: String) throws {
        let db = try SQLiteDatabase(path: "\(dir)/\(profile)-\(DiffOrder.file.rawValue).sqlite")
        var rounding = DiffQuery.builtin(.tripsTotal, in: config)
        rounding.aggregates[2].round = 1
        var filtered = DiffQuery.builtin(.sumFareWindow, in: config)
        filtered.filter = .compare(.fare, ">", 500)
        var nullGroups = DiffQuery.builtin(.hotspotCommunityWindow, in: config)
        nullGroups.filter = nil
        var delayed = DiffQuery.builtin(.hotspotWindow, in: config)
        delayed.watermarkDelay += 3_600_000
        for q in [rounding, filtered, nullGroups, delayed] {
            let truth = try DiffTruth(db: db, input: input, queries: [q], order: .file, epochRows: Self.epochRows[.file]!)
            #expect(!(try truth.check(q).problems.isEmpty), "\(profile): \(q.sql) matched a table it does not compute")
        }
    }

    /// The input has what the queries must meet: NULLs in every column, bad values in every decoded column,
    /// malformed records, rows out of order, and both kinds of DST day.
    @Test func generatedInputCoversEveryColumnKind() throws {
        let input = try DiffInput.generate(rows: Self.rows, seed: Self.seed, in: scratchDirectory("sqldiff"))
        let records = input.records
        for c in TripColumn.allCases where !c.isPseudo && c != .eventTimestamp && c != .tripID && c != .tripStartTimestamp {
            let isNull = { (r: DiffRecord) in c.type == .text ? r.texts[c.rawValue] == nil : r.numbers[c.rawValue] == nil }
            #expect(records.contains { isNull($0) && !$0.badColumns.contains(c) }, "no NULL \(c.name)")
            #expect(c.type == .text || records.contains { $0.badColumns.contains(c) }, "no bad \(c.name)")
        }
        #expect(records.filter(\.malformed).count > 10)
        let starts = records.compactMap { $0.numbers[TripColumn.tripStartTimestamp.rawValue] }
        #expect(zip(starts, starts.dropFirst()).filter { $0 > $1 }.count > 100)
        for text in ["\"5 Star \"\"Elite\"\" Cab\"", "\"Taxicab Insurance Agency, LLC\"", "Dave's Cab"] {
            #expect(records.contains { $0.line.contains(text) }, "no \(text)")
        }
        let days = Set(starts.map { DiffTruthDays.length(ofDayContaining: $0) })
        #expect(days == Set<Int64>([23 * 3_600_000, 24 * 3_600_000, 25 * 3_600_000]))
    }

    /// The truth's rounding is the contract's: half away from zero, exact (0.075 → 0.1, not the double's 0.07).
    @Test func truthRoundsHalfAwayFromZeroExactly() throws {
        let avgFare = DiffQuery.Aggregate(.avg, .fare, round: 1)
        // AVG of 0.05 and 0.10 is 0.075; of -0.05 and -0.10 is -0.075.
        #expect(try DiffTruth.aggregate(avgFare, .integer(15), .integer(2)) == .fixed(1, scale: 1))
        #expect(try DiffTruth.aggregate(avgFare, .integer(-15), .integer(2)) == .fixed(-1, scale: 1))
        #expect(try DiffTruth.aggregate(avgFare, .null, .integer(0)) == .null)
        let sumLatitude = DiffQuery.Aggregate(.sum, .pickupCentroidLatitude, round: 3)
        #expect(try DiffTruth.aggregate(sumLatitude, .integer(41_650_500_000), .integer(1)) == .fixed(41_651, scale: 3))
        #expect(try DiffTruth.aggregate(sumLatitude, .integer(-41_650_499_999), .integer(1)) == .fixed(-41_650, scale: 3))
        let avgArea = DiffQuery.Aggregate(.avg, .pickupCommunityArea, round: 2)
        #expect(try DiffTruth.aggregate(avgArea, .integer(2), .integer(3)) == .fixed(67, scale: 2))
        #expect(try DiffTruth.aggregate(DiffQuery.Aggregate(.avg, .tips), .integer(1), .integer(3)) == .real(0.01 / 3))
    }

    /// A configuration file of `queries`.
    static func writeConfig(_ queries: [DiffQuery], to path: String) throws -> String {
        try "{\"queries\": {\(queries.map(\.configMember).joined(separator: ", "))}}"
            .write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The random test's configuration files load: `tripstream config` accepts each and prints every query
    /// with its watermark and mode.
    @Test func generatedConfigurationsLoad() throws {
        let dir = scratchDirectory("sqldiff")
        var r = SplitMix64(seed: Self.seed)
        let queries = (0..<Self.queryCount).map { DiffQuery.random(name: "q\($0)", &r) }
        for start in stride(from: 0, to: queries.count, by: Self.perConfig) {
            let group = Array(queries[start..<min(start + Self.perConfig, queries.count)])
            let printed = try tripstream(["config", "--config", try Self.writeConfig(group, to: "\(dir)/c\(start).json")])
            try #require(printed.status == 0, "\(printed.stderr)")
            let root = try #require(try JSONSerialization.jsonObject(with: Data(printed.stdout.utf8)) as? [String: Any])
            let loaded = try #require(root["queries"] as? [String: [String: Any]])
            for q in group {
                #expect(loaded[q.name]?["mode"] as? String == q.mode.rawValue, "\(q.name)")
                #expect(loaded[q.name]?["enabled"] as? Bool == true, "\(q.name)")
                let delay = try #require(loaded[q.name]?["watermark"] as? String, "\(q.name)")
                #expect(TripstreamConfig.parseDuration(delay) == q.watermarkDelay, "\(q.name): \(delay)")
            }
        }
    }

    /// Every generated query is valid SQL whose outputs are the ones the truth assumes (names, order) and whose
    /// columns are the ones the truth rejects records for.
    @Test func generatedQueriesCompileToWhatTheTruthAssumes() throws {
        var r = SplitMix64(seed: Self.seed)
        for i in 0..<Self.queryCount {
            let q = DiffQuery.random(name: "q\(i)", &r)
            let compiled = try QueryAnalyzer.compile(q.sql, name: q.name)
            #expect(compiled.outputs.map(\.name) == q.outputs.map(\.name), "\(q.sql)")
            #expect(Set(compiled.columns) == q.columnsRead, "\(q.sql)")
        }
    }

    /// The truth's SQL agrees with a brute force in Swift (`DiffBruteForce`), and the generated queries test
    /// something: most have rows, some have late rows in file order (30 queries, whatever count the run asks).
    @Test func truthEqualsBruteForceAndHasRows() throws {
        let dir = scratchDirectory("sqldiff")
        let input = try DiffInput.generate(rows: Self.rows, seed: Self.seed, in: dir)
        var r = SplitMix64(seed: Self.seed)
        let queries = (0..<30).map { DiffQuery.random(name: "q\($0)", &r) }
        let db = try SQLiteDatabase(path: "\(dir)/truth.sqlite")
        for order in DiffOrder.allCases {
            let truth = try DiffTruth(db: db, input: input, queries: queries, order: order, epochRows: Self.epochRows[order]!)
            var withRows = 0, withLate = 0
            for q in queries {
                let rows = try truth.expectedRows(q), late = try truth.expectedLate(q)
                let brute = try DiffBruteForce.results(q, truth)
                #expect(rows == brute.rows, "\(order): \(q.sql): \(rows.count) rows, brute force \(brute.rows.count)")
                #expect(late == brute.late.sorted(), "\(order): \(q.sql)")
                withRows += rows.isEmpty ? 0 : 1
                withLate += late.isEmpty ? 0 : 1
            }
            #expect(withRows * 10 >= queries.count * 8, "\(order): \(withRows) of \(queries.count) queries have rows")
            // Small epochs in file order make out-of-order rows late; in event-time order only trip_end ones are.
            #expect(order == .eventTime || withLate * 10 >= queries.count, "\(withLate) of \(queries.count) queries have late rows")
            #expect(try !truth.expectedRejected().isEmpty)
        }
    }

    /// Random queries, `perConfig` to a configuration, against their truth in both orders; the built-ins,
    /// which run beside them, too, in the first configuration (a record a query rejects counts for none).
    @Test func randomQueriesEqualTheirTruth() throws {
        let dir = scratchDirectory("sqldiff")
        let input = try DiffInput.generate(rows: Self.rows, seed: Self.seed, in: dir)
        var r = SplitMix64(seed: Self.seed)
        let queries = (0..<Self.queryCount).map { DiffQuery.random(name: "q\($0)", &r) }
        let builtins = QueryName.allCases.map { DiffQuery.builtin($0, in: .chicago) }
        var checked = 0, withRows = 0, late = 0
        for (batch, start) in stride(from: 0, to: queries.count, by: Self.perConfig).enumerated() {
            let group = Array(queries[start..<min(start + Self.perConfig, queries.count)])
            let config = try Self.writeConfig(group, to: "\(dir)/batch\(batch).json")
            for order in DiffOrder.allCases {
                let context = "TRIPSTREAM_SQL_DIFF_SEED=\(Self.seed) TRIPSTREAM_SQL_DIFF_QUERIES=\(queries.count), order "
                    + "\(order.rawValue), epoch rows \(Self.epochRows[order]!), configuration \(config)"
                guard let db = try Self.replay(input, order: order, ["--config", config], dir: dir, label: "batch\(batch)")
                else { continue }
                let truth = try DiffTruth(db: db, input: input, queries: group + builtins, order: order,
                                          epochRows: Self.epochRows[order]!)
                // The built-ins once per order: enough to see them unchanged beside SQL queries, and they cost
                // as much as a batch.
                let checkedBuiltins = batch == 0 ? builtins : []
                for problem in try truth.rejectionProblems() + checkedBuiltins.flatMap({ try truth.check($0).problems }) {
                    Issue.record("\(context): \(problem)")
                }
                for q in group {
                    let check = try truth.check(q)
                    for problem in check.problems { Issue.record("\(context): \(problem)") }
                    checked += 1
                    withRows += check.truthRows > 0 ? 1 : 0
                    late += check.lateRows
                }
            }
        }
        #expect(checked == 2 * queries.count)
        #expect(queries.count < 30 || withRows * 10 >= checked * 8, "only \(withRows) of \(checked) query runs had result rows")
        #expect(queries.count < 30 || late > 0)
    }
}
