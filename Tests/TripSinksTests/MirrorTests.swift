import Foundation
import Testing
import TripCore
@testable import TripEngine
import TripSQL
import TripSQLite
@testable import TripSinks
import TripTesting

@Suite struct SQLiteWrapperTests {
    @Test func roundTripsValuesAndReportsErrors() throws {
        let db = try SQLiteDatabase(path: scratchFile("wrapper.sqlite"))
        try db.execute("CREATE TABLE t(a INTEGER, b REAL, c TEXT, d)")
        try db.prepare("INSERT INTO t VALUES (?, ?, ?, ?)").run([.integer(42), .real(7.65), .text("x'y\"z"), .null])
        #expect(try db.rows("SELECT * FROM t") == [[.integer(42), .real(7.65), .text("x'y\"z"), .null]])
        #expect(throws: SQLiteError.self) { try db.execute("SELECT * FROM missing") }
        do {
            try db.execute("INSERT INTO nope VALUES (1)")
        } catch let e as SQLiteError {
            #expect(e.message.contains("no such table: nope"))
            #expect(e.sql == "INSERT INTO nope VALUES (1)")
        }
    }

    @Test func transactionRollsBackOnThrow() throws {
        let db = try SQLiteDatabase(path: scratchFile("tx.sqlite"))
        try db.execute("CREATE TABLE t(a INTEGER PRIMARY KEY)")
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try db.transaction {
                try db.prepare("INSERT INTO t VALUES (1)").run([])
                throw Boom()
            }
        }
        #expect(try db.scalar("SELECT COUNT(*) FROM t") == .integer(0))
    }

    @Test func openingAMissingDirectoryFails() {
        #expect(throws: SQLiteError.self) { _ = try SQLiteDatabase(path: "/nonexistent-dir/x.sqlite") }
    }
}

/// A mirror that takes the built-ins' results (the four queries' tables).
func builtinMirror(_ path: String, tenant: String, config: TripstreamConfig = .chicago) throws -> SQLiteMirror {
    try SQLiteMirror(path: path, tenant: tenant, queries: Engine(config: config).queries)
}

@Suite struct MirrorTests {
    func sampleOutput() -> (EpochOutput, Counters) {
        var c = TripstreamConfig.chicago
        c.sumFareWindow.mode = .update
        var e = Engine(config: c)
        for i in 0..<50 {
            _ = e.ingest(Trip(eventTime: 1_429_333_200_000 + Int64(i) * 600_000, fareCents: Int64(700 + i),
                              tipsCents: i % 3 == 0 ? nil : 100, tripTotalCents: 900, communityArea: Int32(i % 5)),
                         location: "POINT (-87.6 41.9)")
        }
        return (e.endEpoch(endOfInput: true), e.state.counters)
    }

    /// Many writers opening one new mirror at the same moment (tenants started together): each switch to WAL
    /// that SQLite answers "busy" at once is retried, so every open succeeds.
    @Test func writersOpeningANewMirrorTogetherAllSucceed() throws {
        for round in 0..<5 {
            let path = scratchFile("together-\(round).sqlite")
            let failures = NSLock()
            nonisolated(unsafe) var errors: [String] = []
            DispatchQueue.concurrentPerform(iterations: 8) { i in
                do { _ = try SQLiteMirror(path: path, tenant: "t\(i)") } catch {
                    failures.withLock { errors.append("\(error)") }
                }
            }
            #expect(errors.isEmpty, "round \(round): \(errors)")
        }
    }

    /// A version-1 mirror (location text in `hotspot_window`'s key) is migrated when opened: the same rows
    /// through the view, the texts in `locations`, other tenants' rows kept, and new epochs written as usual.
    @Test func aVersion1MirrorIsMigrated() throws {
        let path = scratchFile("v1.sqlite")
        let old = try SQLiteDatabase(path: path)
        try old.execute("""
            CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
            INSERT INTO meta VALUES ('schema_version', '1');
            CREATE TABLE hotspot_window(
                tenant TEXT NOT NULL, window_start INTEGER NOT NULL, window_end INTEGER NOT NULL,
                pickup_centroid_location TEXT NOT NULL, count INTEGER NOT NULL, final INTEGER NOT NULL,
                PRIMARY KEY (window_start, window_end, pickup_centroid_location, tenant)) WITHOUT ROWID;
            INSERT INTO hotspot_window VALUES ('t1', 60, 120, 'POINT (1 2)', 3, 1), ('t1', 60, 120, 'POINT (3 4)', 1, 1),
                ('t2', 90, 150, 'POINT (1 2)', 7, 0);
            """)
        let before = try old.rows("SELECT * FROM hotspot_window ORDER BY 1, 2, 3, 4")
        let mirror = try builtinMirror(path, tenant: "t1")
        #expect(try mirror.db.rows("SELECT * FROM hotspot_window ORDER BY 1, 2, 3, 4") == before)
        #expect(try mirror.db.scalar("SELECT value FROM meta WHERE key = 'schema_version'") == .text("2"))
        #expect(try mirror.db.scalar("SELECT type FROM sqlite_master WHERE name = 'hotspot_window'") == .text("view"))
        #expect(try mirror.db.scalar("SELECT COUNT(*) FROM locations") == .integer(2))
        let (out, counters) = sampleOutput()
        try mirror.apply(out, deadLetters: [], progress: EpochProgress(source: "f.csv", position: 1, orderMode: "file"),
                         counters: counters)
        let rows = try mirror.db.rows("SELECT pickup_centroid_location, count FROM hotspot_window WHERE tenant = 't1' AND window_start > 1000")
        #expect(rows.count == out[.hotspotWindow].rows.count && rows.allSatisfy { $0[0] == .text("POINT (-87.6 41.9)") })
        try mirror.clearTenant()
        #expect(try mirror.db.rows("SELECT tenant, count FROM hotspot_window") == [[.text("t2"), .integer(7)]])
        // Reopening a version-2 mirror changes nothing.
        let again = try SQLiteMirror(path: path, tenant: "t2")
        #expect(try again.db.rows("SELECT * FROM hotspot_window") == [[.text("t2"), .integer(90), .integer(150), .text("POINT (1 2)"), .integer(7), .integer(0)]])
    }

    @Test func applyingAnEpochTwiceChangesNothing() throws {
        let mirror = try builtinMirror(scratchFile("idem.sqlite"), tenant: "t1")
        let (out, counters) = sampleOutput()
        let dead = [DeadLetter(query: nil, offset: 99, reason: "non-numeric Fare \"x\"", raw: "a,b")]
        let progress = EpochProgress(source: "f.csv", position: 1234, orderMode: "file")
        try mirror.apply(out, deadLetters: dead, progress: progress, counters: counters)
        let first = try SQLiteMirror.canonicalDump(mirror.db, tenant: "t1")
        try mirror.apply(out, deadLetters: dead, progress: progress, counters: counters)
        #expect(try SQLiteMirror.canonicalDump(mirror.db, tenant: "t1") == first)
        #expect(first["sum_fare_window"]!.count == out[.sumFareWindow].rows.count)
        #expect(first["dead_letters"] == ["t1|f.csv|99||non-numeric Fare \"x\"||a,b|\(out.epoch)"])
    }

    @Test func moneyIsStoredInCurrencyUnitsAndNullsStayNull() throws {
        var c = TripstreamConfig.chicago
        c.timeZone = .utc
        c.sumFareWindow.window = .tumbling(3_600_000)
        let mirror = try builtinMirror(scratchFile("money.sqlite"), tenant: "t1", config: c)
        var e = Engine(config: c)
        _ = e.ingest(Trip(eventTime: 0, fareCents: 765, tipsCents: nil, tripTotalCents: 1))
        _ = e.ingest(Trip(eventTime: 0, fareCents: 100, tipsCents: nil, tripTotalCents: 2))
        let out = e.endEpoch(endOfInput: true)
        try mirror.apply(out, deadLetters: [], progress: EpochProgress(source: "-", position: 0, orderMode: "file"),
                         counters: Counters())
        #expect(try mirror.db.rows("SELECT window_start, window_end, total_fare, tips_fare, total_trip_total, trips, final FROM sum_fare_window")
                == [[.integer(0), .integer(3600), .real(8.65), .null, .real(0.03), .integer(2), .integer(1)]])
        #expect(try mirror.db.rows("SELECT day, trips_total, fare_total, tips_avg, trip_total_avg, final FROM trips_total")
                == [[.text("1970-01-01"), .integer(2), .real(8.65), .null, .real(0.02), .integer(1)]])
    }

    /// The comparison behind verify-recovery finds a changed value and a missing row, table by table.
    @Test func comparisonReportsDifferences() throws {
        let (out, counters) = sampleOutput()
        let progress = EpochProgress(source: "f", position: 1, orderMode: "file")
        let a = try builtinMirror(scratchFile("cmp-a.sqlite"), tenant: "t")
        let b = try builtinMirror(scratchFile("cmp-b.sqlite"), tenant: "t")
        try a.apply(out, deadLetters: [], progress: progress, counters: counters)
        try b.apply(out, deadLetters: [], progress: progress, counters: counters)
        #expect(try MirrorComparison.compare(a.db, b.db, tenant: "t").allSatisfy(\.identical))
        try b.db.execute("UPDATE sum_fare_window SET total_fare = total_fare + 0.01 WHERE window_start = (SELECT MIN(window_start) FROM sum_fare_window)")
        try b.db.execute("DELETE FROM hotspot_window_by_id WHERE (window_start, location_id) IN (SELECT window_start, location_id FROM hotspot_window_by_id LIMIT 1)")
        let verdicts = try MirrorComparison.compare(a.db, b.db, tenant: "t")
        let fare = verdicts.first { $0.table == "sum_fare_window" }!
        #expect(!fare.identical && fare.onlyInFirst.count == 1 && fare.onlyInSecond.count == 1)
        let location = verdicts.first { $0.table == "hotspot_window" }!
        #expect(location.onlyInFirst.count == 1 && location.onlyInSecond.isEmpty)
        #expect(verdicts.first { $0.table == "trips_total" }!.identical)
    }

    @Test func tenantsDoNotTouchEachOther() throws {
        let path = scratchFile("tenants.sqlite")
        let a = try builtinMirror(path, tenant: "a")
        let b = try builtinMirror(path, tenant: "b")
        let (out, counters) = sampleOutput()
        let progress = EpochProgress(source: "f", position: 1, orderMode: "file")
        try a.apply(out, deadLetters: [], progress: progress, counters: counters)
        try b.apply(out, deadLetters: [], progress: progress, counters: counters)
        try a.clearTenant()
        #expect(try SQLiteMirror.canonicalDump(a.db, tenant: "a")["sum_fare_window"] == [])
        #expect(try SQLiteMirror.canonicalDump(b.db, tenant: "b")["sum_fare_window"]!.count == out[.sumFareWindow].rows.count)
    }

    @Test func queryFiltersTopAndRange() throws {
        let mirror = try builtinMirror(scratchFile("query.sqlite"), tenant: "t1")
        let (out, counters) = sampleOutput()
        try mirror.apply(out, deadLetters: [], progress: EpochProgress(source: "f", position: 1, orderMode: "file"),
                         counters: counters)
        var q = MirrorQuery(query: .hotspotCommunityWindow, tenant: "t1")
        q.top = 1
        let top = try q.run(mirror.db)
        let windows = Set(top.rows.map { $0[0] })
        #expect(top.rows.count == windows.count)  // one row per window
        q = MirrorQuery(query: .sumFareWindow, tenant: "t1")
        q.from = 1_429_336_800
        q.to = 1_429_344_000
        let ranged = try q.run(mirror.db)
        #expect(ranged.rows.map { $0[0] } == [.integer(1_429_336_800), .integer(1_429_340_400)])
        q = MirrorQuery(query: .tripsTotal, tenant: "t1")
        #expect(try q.run(mirror.db).rows.map { $0[0] } == [.text("2015-04-18")])
    }

    /// A new query's results will be a mirror table of its name: the configuration must reserve every other
    /// table and view a mirror has (TripCore cannot read MirrorSchema, so it keeps its own list).
    /// A mirror with a SQL query grouped by text adds its view, its `_by_id` table, `texts` and `sql_queries`.
    @Test func everyMirrorTableButTheResultsIsAReservedQueryName() throws {
        let query = try QueryAnalyzer.compile("""
            SELECT window_start, window_end, company, COUNT(*) FROM TUMBLE(trips, trip_start_timestamp, INTERVAL '1' HOUR)
            GROUP BY window_start, window_end, company
            """, name: "by_company")
        for queries in [[], [query]] {
            let path = scratchFile("names-\(queries.count).sqlite")
            _ = try SQLiteMirror(path: path, tenant: "t", queries: queries)
            let rows = try SQLiteDatabase(path: path).rows(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'")
            let names = Set(rows.compactMap { row -> String? in if case .text(let name) = row.first { name } else { nil } })
            #expect(names.count > MirrorSchema.resultTables.count)
            let others = names.subtracting(MirrorSchema.resultTables + queries.map(\.name))
                .filter { UserQuery.problem(withName: $0) == nil }
            #expect(others.isEmpty, "\(others)")
            #expect(names.contains("texts") == !queries.isEmpty)
        }
    }
}
