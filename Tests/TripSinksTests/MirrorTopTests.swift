import Foundation
import Testing
import TripCore
import TripSQLite
@testable import TripSinks
import TripTesting

/// `top`: the N largest per window (hotspots) or the N largest windows/days, read without walking the table.
@Suite struct MirrorTopTests {
    /// Two tenants, 60 windows of 40 locations each with many tied counts (location ids not in text order, so a
    /// tie is broken by the text), the first 40 windows final.
    func filledMirror(_ name: String) throws -> SQLiteMirror {
        let mirror = try SQLiteMirror(path: scratchFile(name), tenant: "t1")
        try mirror.db.execute("""
            WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 39)
            INSERT INTO locations(id, location) SELECT i + 1, 'POINT (' || ((i * 7) % 40) || ' 1)' FROM n;
            WITH RECURSIVE w(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM w WHERE k < 59),
                           n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 39),
                           t(tenant) AS (VALUES ('t1'), ('t2'))
            INSERT INTO hotspot_window_by_id
                SELECT tenant, 3600 * k, 3600 * k + 7200, i + 1, (i * k + i) % 5 + k % 3, k < 40 FROM w, n, t;
            INSERT INTO hotspot_community_window SELECT tenant, window_start, window_end, location_id, count, final
                FROM hotspot_window_by_id;
            WITH RECURSIVE w(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM w WHERE k < 59),
                           t(tenant) AS (VALUES ('t1'), ('t2'))
            INSERT INTO sum_fare_window SELECT tenant, 3600 * k, 3600 * k + 3600, (k * 37) % 11, 1, 2, k, k < 40 FROM w, t;
            WITH RECURSIVE w(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM w WHERE k < 59),
                           t(tenant) AS (VALUES ('t1'), ('t2'))
            INSERT INTO trips_total SELECT tenant, date(86400 * k, 'unixepoch'), (k * 13) % 7, 1, 2, 3, k < 40 FROM w, t;
            """)
        return mirror
    }

    /// What `top` returned before it used an index: window functions over the whole table (the truth here).
    func reference(_ q: MirrorQuery, _ db: SQLiteDatabase) throws -> [[SQLiteValue]] {
        let query = try #require(q.query)
        let columns = MirrorQuery.columns(query).joined(separator: ", ")
        let direction = q.descending ? " DESC" : ""
        let isDay = query == .tripsTotal
        let time = isDay ? "day" : "window_start"
        func bound(_ s: Int64) -> SQLiteValue { isDay ? .text(CivilDate.isoDay(Int(floorDiv(s, 86_400)))) : .integer(s) }
        var conditions = ["tenant = ?"], args: [SQLiteValue] = [.text(q.tenant)]
        if let from = q.from { conditions.append("\(time) >= ?"); args.append(bound(from)) }
        if let to = q.to { conditions.append("\(time) < ?"); args.append(bound(to)) }
        if q.finalOnly { conditions.append("final = 1") }
        let filter = conditions.joined(separator: " AND ")
        let top = q.top!
        var sql: String
        switch query {
        case .hotspotWindow, .hotspotCommunityWindow:
            let key = query == .hotspotWindow ? "pickup_centroid_location" : "pickup_community_area"
            sql = """
                SELECT \(columns) FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end
                ORDER BY count DESC, \(key)) AS rank FROM \(query.rawValue) WHERE \(filter))
                WHERE rank <= \(top) ORDER BY window_start\(direction), count DESC, \(key)
                """
        case .sumFareWindow, .tripsTotal:
            let measure = isDay ? "trips_total" : "total_fare"
            sql = "SELECT * FROM (SELECT \(columns) FROM \(query.rawValue) WHERE \(filter) "
                + "ORDER BY \(measure) DESC, \(time)\(direction) LIMIT \(top)) ORDER BY \(measure) DESC, \(time)\(direction)"
        }
        if q.limit != nil || q.offset != nil { sql += " LIMIT \(q.limit ?? -1) OFFSET \(q.offset ?? 0)" }
        return try db.rows(sql, args)
    }

    @Test func topGivesTheSameRowsAsWindowFunctionsOverTheTable() throws {
        let mirror = try filledMirror("top-same.sqlite")
        var compared = 0
        for query in QueryName.allCases {
            for top in [1, 3, 50] {
                for descending in [false, true] {
                    for finalOnly in [false, true] {
                        for range in [nil, (Int64(36_000), Int64(108_000))] as [(Int64, Int64)?] {
                            for (limit, offset) in [(nil, nil), (7, 0), (7, 13), (1001, 0), (5, 170)] as [(Int?, Int?)] {
                                var q = MirrorQuery(query: query, tenant: "t2")
                                q.top = top
                                q.descending = descending
                                q.finalOnly = finalOnly
                                q.from = range?.0
                                q.to = range?.1
                                q.limit = limit
                                q.offset = offset
                                let rows = try q.run(mirror.db).rows
                                #expect(rows == (try reference(q, mirror.db)), "\(q)")
                                compared += rows.count
                            }
                        }
                    }
                }
            }
        }
        #expect(compared > 10_000)
    }

    /// The HTTP API's defaults (limit 1000, one row more to see whether another page follows), either order.
    @Test(arguments: QueryName.allCases)
    func topDoesNotScanTheTable(_ query: QueryName) throws {
        let mirror = try filledMirror("top-plan-\(query.rawValue).sqlite")
        for descending in [false, true] {
            var q = MirrorQuery(query: query, tenant: "t1")
            q.top = 3
            q.limit = 1001
            q.offset = 0
            q.descending = descending
            let plan = try q.queryPlan(mirror.db)
            #expect(!plan.isEmpty)
            #expect(!plan.contains { $0.hasPrefix("SCAN") }, "\(query) \(descending ? "desc" : "asc"): \(plan)")
        }
    }

    /// A mirror made before the top indexes existed gets them when it is opened.
    @Test func openingAnOlderMirrorAddsTheTopIndexes() throws {
        let path = scratchFile("top-index.sqlite")
        let before = try SQLiteMirror(path: path, tenant: "t1")
        let names = ["sum_fare_window_top", "trips_total_top"]
        for name in names { try before.db.execute("DROP INDEX IF EXISTS \(name)") }
        let after = try SQLiteMirror(path: path, tenant: "t1")
        for name in names {
            #expect(try after.db.scalar("SELECT type FROM sqlite_master WHERE name = ?", [.text(name)]) == .text("index"), "\(name)")
        }
    }
}
