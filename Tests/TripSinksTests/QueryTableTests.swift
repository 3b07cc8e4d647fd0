import Foundation
import Testing
import TripCore
import TripEngine
import TripSQL
import TripSQLite
@testable import TripSinks
import TripTesting

/// A SQL query's mirror table and result messages, made from its value.
@Suite struct QueryTableTests {
    static let sql = """
        SELECT window_start, window_end, company, COUNT(*) AS trips, SUM(fare) AS fare, ROUND(AVG(trip_miles), 1) AS miles,
               AVG(tips) AS avg_tips, MAX(trip_start_timestamp) AS last_start
        FROM TUMBLE(trips, trip_start_timestamp, INTERVAL '1' HOUR)
        GROUP BY window_start, window_end, company
        """
    static let query = try! QueryAnalyzer.compile(sql, name: "by_company")
    static let hour: EventTime = 1_429_333_200_000

    func row(_ company: String?, trips: Int64, fare: Int64?, final: Bool) -> QueryResultRow {
        QueryResultRow(windowStart: Self.hour, windowEnd: Self.hour + 3_600_000, values: [
            .timestamp(Self.hour), .timestamp(Self.hour + 3_600_000), company.map(ResultValue.text) ?? .null,
            .integer(trips), fare.map { .decimal($0, scale: 2) } ?? .null, .decimal(-15, scale: 1), .double(0.125),
            .timestamp(Self.hour + 90_500),
        ], final: final)
    }

    func output(epoch: Int64, _ rows: [QueryResultRow]) -> EpochOutput {
        var out = EpochOutput(epoch: epoch)
        out.queries = [QueryResults(name: "by_company", rows: rows, watermark: Self.hour, rowsLate: 3, rowsEmitted: Int64(rows.count))]
        return out
    }

    func apply(_ mirror: SQLiteMirror, _ out: EpochOutput) throws {
        try mirror.apply(out, deadLetters: [], progress: EpochProgress(source: "in.csv", position: 1, orderMode: "file"),
                         counters: Counters())
    }

    /// Columns and types as documented; a key's row is replaced, NULL group values included (a primary key could
    /// not hold them), and applying an epoch twice changes nothing.
    @Test func rowsAreReplacedByKeyIncludingNullGroups() throws {
        let mirror = try SQLiteMirror(path: scratchFile("query-table.sqlite"), tenant: "t1", queries: [Self.query])
        try apply(mirror, output(epoch: 1, [row("Flash Cab", trips: 1, fare: 1250, final: false),
                                            row(nil, trips: 2, fare: nil, final: false)]))
        let later = output(epoch: 2, [row("Flash Cab", trips: 3, fare: 1999, final: true), row(nil, trips: 4, fare: 5, final: true)])
        try apply(mirror, later)
        try apply(mirror, later)
        let rows = try mirror.db.rows("""
            SELECT tenant, window_start, window_end, company, trips, fare, miles, avg_tips, last_start, final,
                   typeof(window_start), typeof(fare), typeof(miles), typeof(last_start)
            FROM by_company ORDER BY company
            """)
        let start = Self.hour / 1000
        #expect(rows == [
            [.text("t1"), .integer(start), .integer(start + 3600), .null, .integer(4), .real(0.05), .real(-1.5), .real(0.125),
             .integer(Self.hour + 90_500), .integer(1), .text("integer"), .text("real"), .text("real"), .text("integer")],
            [.text("t1"), .integer(start), .integer(start + 3600), .text("Flash Cab"), .integer(3), .real(19.99), .real(-1.5),
             .real(0.125), .integer(Self.hour + 90_500), .integer(1), .text("integer"), .text("real"), .text("real"), .text("integer")],
        ])
        #expect(try mirror.db.rows("SELECT watermark, rows_late, rows_emitted FROM query_progress WHERE query = 'by_company'")
                == [[.integer(Self.hour), .integer(3), .integer(2)]])
        try mirror.clearTenant()
        #expect(try mirror.db.scalar("SELECT COUNT(*) FROM by_company") == .integer(0))
    }

    /// A query whose WHERE rules out NULL group values keys its table by a primary key (a `WITHOUT ROWID` table, as
    /// the built-ins' are); otherwise a NULL-safe UNIQUE index. Either way text group values are stored as ids in
    /// `<name>_by_id` (`texts` numbers them) behind the view `<name>`, and rows are replaced by key.
    @Test func textGroupsAreStoredByIdBehindAViewInBothKeyShapes() throws {
        let sql = Self.sql.replacingOccurrences(of: "GROUP BY", with: "WHERE company IS NOT NULL GROUP BY")
        for query in [Self.query, try QueryAnalyzer.compile(sql, name: "by_company")] {
            let keyed = query.groupValuesAreNeverNull
            let mirror = try SQLiteMirror(path: scratchFile("query-table-ids-\(keyed).sqlite"), tenant: "t1", queries: [query])
            let ddl = try mirror.db.scalar("SELECT sql FROM sqlite_master WHERE name = 'by_company_by_id'")?.string ?? ""
            #expect(ddl.contains("WITHOUT ROWID") == keyed, "\(ddl)")
            #expect(ddl.contains("\"company_id\" INTEGER") && !ddl.contains("\"company\""), "\(ddl)")
            #expect(try mirror.db.scalar("SELECT type FROM sqlite_master WHERE name = 'by_company'") == .text("view"))
            try apply(mirror, output(epoch: 1, [row("Flash Cab", trips: 1, fare: 1250, final: false),
                                                row("Taxi Affiliation", trips: 2, fare: 7, final: false)]))
            let later = output(epoch: 2, [row("Flash Cab", trips: 3, fare: 1999, final: true)])
            try apply(mirror, later)
            try apply(mirror, later)
            let rows = try mirror.db.rows("SELECT company, trips, final FROM by_company ORDER BY company")
            #expect(rows == [[.text("Flash Cab"), .integer(3), .integer(1)], [.text("Taxi Affiliation"), .integer(2), .integer(0)]])
            #expect(try mirror.db.rows("SELECT text FROM texts ORDER BY id") == [[.text("Flash Cab")], [.text("Taxi Affiliation")]])
            #expect(try mirror.db.scalar("SELECT COUNT(*) FROM by_company_by_id") == .integer(2))
        }
    }

    /// A table made by a build that stored text group values inline (either key shape, rows of two tenants, a NULL
    /// group among them) is moved into the id layout when the mirror opens: the view shows the same rows, and
    /// later epochs replace them by key.
    @Test func inlineTablesOfEarlierBuildsMoveToIds() throws {
        let columns = """
            "tenant" TEXT NOT NULL, "window_start" INTEGER, "window_end" INTEGER, "company" TEXT, "trips" INTEGER,
            "fare" REAL, "miles" REAL, "avg_tips" REAL, "last_start" INTEGER, "final" INTEGER NOT NULL
            """
        let shapes = [
            (Self.query, """
                CREATE TABLE "by_company"(\(columns));
                CREATE UNIQUE INDEX "by_company key" ON "by_company"(tenant, window_start, window_end, ifnull(company, x''));
                """),
            (try QueryAnalyzer.compile(Self.sql.replacingOccurrences(of: "GROUP BY", with: "WHERE company IS NOT NULL GROUP BY"),
                                       name: "by_company"),
             "CREATE TABLE \"by_company\"(\(columns), PRIMARY KEY (window_start, window_end, company, tenant)) WITHOUT ROWID;"),
        ]
        let start = Self.hour / 1000
        for (n, (query, oldDDL)) in shapes.enumerated() {
            let path = scratchFile("query-table-inline-\(n).sqlite")
            let old = try SQLiteDatabase(path: path)
            try old.execute(oldDDL)
            let values = (["('t1', 'Flash Cab', 1)", "('t2', 'Flash Cab', 5)", "('t1', 'Blue', 2)"]
                          + (query.groupValuesAreNeverNull ? [] : ["('t2', NULL, 9)"])).map { v -> String in
                let parts = v.dropFirst().dropLast().split(separator: ",", omittingEmptySubsequences: false)
                return "(\(parts[0]), \(start), \(start + 3600), \(parts[1]), \(parts[2]), 1.5, -1.5, 0.125, \(Self.hour + 90_500), 0)"
            }
            try old.execute("INSERT INTO by_company VALUES \(values.joined(separator: ", "))")
            let before = try old.rows("SELECT * FROM by_company ORDER BY tenant, company")
            let mirror = try SQLiteMirror(path: path, tenant: "t1", queries: [query])
            #expect(try mirror.db.scalar("SELECT type FROM sqlite_master WHERE name = 'by_company'") == .text("view"))
            #expect(try mirror.db.rows("SELECT * FROM by_company ORDER BY tenant, company") == before)
            try apply(mirror, output(epoch: 1, [row("Flash Cab", trips: 3, fare: 1999, final: true)]))
            let after = try mirror.db.rows("SELECT tenant, company, trips, final FROM by_company ORDER BY tenant, company")
            #expect(after == [[.text("t1"), .text("Blue"), .integer(2), .integer(0)],
                              [.text("t1"), .text("Flash Cab"), .integer(3), .integer(1)],
                             ] + (query.groupValuesAreNeverNull ? [] : [[.text("t2"), .null, .integer(9), .integer(0)]])
                              + [[.text("t2"), .text("Flash Cab"), .integer(5), .integer(0)]], "\(n)")
        }
    }

    /// The four built-ins' values make exactly the mirror's hand-written tables: the same columns, types, NOT NULL
    /// and primary keys (`hotspot_window_by_id` with `location_id`, and the view `hotspot_window`).
    @Test func theBuiltinsValuesMakeTheirExactTables() throws {
        let builtin = try SQLiteDatabase(path: ":memory:")
        try builtin.execute(MirrorSchema.ddl)
        for (profileName, profile) in [("chicago", TripstreamConfig.chicago), ("seed", .seed)] {
            for name in QueryName.allCases {
                let table = QueryTable(try BuiltinQueries.query(name, in: profile))
                let derived = try SQLiteDatabase(path: ":memory:")
                try derived.execute(table.ddl)
                #expect(table.storageName == MirrorSchema.storage(of: name.rawValue))
                for object in Set([name.rawValue, table.storageName]) + table.interned.map(\.dictionary.table) {
                    let info = "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?) ORDER BY cid"
                    let want = try builtin.rows(info, [.text(object)]), have = try derived.rows(info, [.text(object)])
                    #expect(!want.isEmpty && have == want, "\(profileName) \(object): \(have) vs \(want)")
                }
            }
        }
    }

    /// A query changed under the same name cannot write into the old table: the open says so and what to do, and
    /// doing it works — for a table and for the view over `<name>_by_id` of a query with text groups.
    @Test func aChangedQueryUnderTheSameNameIsRefused() throws {
        let plain = try QueryAnalyzer.compile(
            "SELECT window_start, window_end, COUNT(*) FROM TUMBLE(trips, trip_start_timestamp, INTERVAL '1' HOUR) "
            + "GROUP BY window_start, window_end", name: "by_company")
        for (n, (old, changed, drop)) in [(Self.query, plain, "DROP VIEW by_company; DROP TABLE by_company_by_id"),
                                          (plain, Self.query, "DROP TABLE by_company")].enumerated() {
            let path = scratchFile("query-changed-\(n).sqlite")
            _ = try SQLiteMirror(path: path, tenant: "t1", queries: [old])
            do {
                _ = try SQLiteMirror(path: path, tenant: "t1", queries: [changed])
                Issue.record("a changed query was accepted")
            } catch let error as SQLiteError {
                #expect(error.message.contains("the mirror's table by_company has columns (tenant TEXT, window_start INTEGER"))
                #expect(error.message.contains("use a new --db, or drop the table (\(drop))"), "\(error.message)")
            }
            _ = try SQLiteMirror(path: path, tenant: "t2", queries: [old])  // the same query again: fine
            try SQLiteDatabase(path: path).execute(drop)
            _ = try SQLiteMirror(path: path, tenant: "t1", queries: [changed])  // the way out works
        }
    }

    /// Readers find a SQL query by its name in the mirror alone; `top` ranks rows by the first aggregate in each
    /// window (checked against a plain Swift ranking of the table).
    @Test func readersFindTheQueryAndRankItsRows() throws {
        let mirror = try SQLiteMirror(path: scratchFile("query-read.sqlite"), tenant: "t1", queries: [Self.query])
        var rows: [QueryResultRow] = []
        for w in 0..<6 {
            for c in 0..<7 {
                let r = row(c == 6 ? nil : "c\(c)", trips: Int64((c * 5 + w * 3) % 4), fare: Int64(c), final: w < 4)
                let start = Self.hour + Int64(w) * 3_600_000
                rows.append(QueryResultRow(windowStart: start, windowEnd: r.windowEnd,
                                           values: [.timestamp(start), .timestamp(start + 3_600_000)] + r.values.dropFirst(2),
                                           final: r.final))
            }
        }
        try apply(mirror, output(epoch: 1, rows))
        let unknown = MirrorQuery(name: "nope", tenant: "t1")!
        #expect(throws: MirrorQuery.UnknownQuery.self) { _ = try unknown.run(mirror.db) }
        #expect(MirrorQuery(name: "Bad Name", tenant: "t1") == nil)
        var q = try #require(MirrorQuery(name: "by_company", tenant: "t1"))
        let all = try q.run(mirror.db)
        #expect(all.columns == Self.query.outputs.map(\.name) + ["final"])
        #expect(all.rows.count == 42)
        q.top = 2
        q.finalOnly = true
        let top = try q.run(mirror.db)
        // Reference: per final window, rows by trips (largest first), then company (NULL first, as SQLite sorts).
        var expected: [[SQLiteValue]] = []
        for w in 0..<4 {
            let inWindow = all.rows.filter { $0[0] == .integer(Self.hour / 1000 + Int64(w) * 3600) }
            func company(_ v: SQLiteValue) -> (Int, String) { v == .null ? (0, "") : (1, v.string ?? "") }
            let ranked = inWindow.sorted { a, b in
                a[3] != b[3] ? (a[3].int64 ?? 0) > (b[3].int64 ?? 0) : company(a[2]) < company(b[2])
            }
            expected += ranked.prefix(2)
        }
        #expect(top.rows == expected)
        #expect(try SQLQueryRegistry.names(in: mirror.db) == ["by_company"])
    }

    /// The message: the deterministic key (NULL group as an empty field) and JSON with the outputs typed as
    /// documented (decimals with their scale's digits).
    @Test func messagesCarryTheKeyAndTypedFields() throws {
        var m = QueryMessage(query: Self.query, tenant: "t1")
        m.build(row(nil, trips: 2, fare: 1250, final: true))
        let start = Self.hour / 1000
        #expect(String(decoding: m.key, as: UTF8.self) == "t1|by_company|\(start)|\(start + 3600)|")
        let text = String(decoding: m.value, as: UTF8.self)
        #expect(text.contains("\"fare\":12.50,") && text.contains("\"miles\":-1.5,") && text.contains("\"company\":null"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(m.value)) as? [String: Any])
        #expect(Set(json.keys) == Set(["tenant", "window", "final"] + Self.query.outputs.map(\.name)))
        #expect(json["window_start"] as? Int == Int(start) && json["last_start"] as? Int == Int(Self.hour + 90_500))
        #expect((json["window"] as? [String: String])?["start"] == CivilDate.isoUTC(seconds: start))
        m.build(row("A|B", trips: 1, fare: -5, final: false))
        #expect(String(decoding: m.key, as: UTF8.self).hasSuffix("|A\\|B"), "a separator inside a value is escaped")
        #expect(String(decoding: m.value, as: UTF8.self).contains("\"fare\":-0.05,"))
    }
}
