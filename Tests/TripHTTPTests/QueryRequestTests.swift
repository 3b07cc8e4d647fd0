import Foundation
import Testing
import TripCore
@testable import TripHTTP
import TripSinks
import TripSQLite

/// `GET /api/v1/queries/{name}`'s parameter checks: what is accepted, and each refusal's status and exact
/// message (the body of the 400 or 404).
@Suite struct QueryRequestTests {
    enum Outcome: Equatable {
        case badRequest(String), notFound(String), accepted
    }

    func outcome(_ name: String = "sum_fare_window", parameters: [(String, String)] = []) -> Outcome {
        do {
            _ = try QueryRequest(name: name, parameters: parameters, defaultTenant: "chicago")
            return .accepted
        } catch HTTPRequestError.badRequest(let m) { return .badRequest(m) }
        catch HTTPRequestError.notFound(let m) { return .notFound(m) }
        catch { return .badRequest("unexpected \(error)") }
    }

    /// A name no query can have is refused at once; a possible SQL query's name is looked up in the mirror, and a
    /// 404 there names the built-ins and the SQL queries the mirror holds.
    @Test func anUnknownQueryIs404NamingTheQueriesOfTheMirror() throws {
        #expect(outcome("Trips_Total") == .notFound("unknown query Trips_Total; expected one of sum_fare_window, "
                                                    + "trips_total, hotspot_community_window, hotspot_window or a SQL query of the mirror"))
        #expect(outcome("nope") == .accepted)
        let mirror = try SQLiteMirror(path: ":memory:", tenant: "chicago")
        let request = try QueryRequest(name: "nope", parameters: [], defaultTenant: "chicago")
        do {
            _ = try request.page(mirror.db)
            Issue.record("an unknown SQL query was served")
        } catch HTTPRequestError.notFound(let m) {
            #expect(m == "unknown query nope; expected one of sum_fare_window, trips_total, hotspot_community_window, hotspot_window")
        }
    }

    @Test func eachRefusalIs400WithItsExactMessage() {
        let cases: [([(String, String)], String)] = [
            ([("frm", "1")], "unknown parameter frm; expected final, format, from, limit, offset, order, tenant, to, top"),
            ([("limit", "5"), ("limit", "5")], "parameter limit given twice"),
            ([("from", "yesterday")], "from takes Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, got yesterday"),
            ([("to", "2015-03-06T24:00:00Z")], "to takes Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, got 2015-03-06T24:00:00Z"),
            ([("from", "200"), ("to", "100")], "bad range: to (100) must be after from (200)"),
            ([("from", "2015-03-06"), ("to", "1425600000")], "bad range: to (1425600000) must be after from (1425600000)"),
            ([("top", "0")], "top must be an integer from 1 to 100000, got 0"),
            ([("top", "100001")], "top must be an integer from 1 to 100000, got 100001"),
            ([("final", "yes")], "final must be true or false, got yes"),
            ([("order", "DESC")], "order must be asc or desc, got DESC"),
            ([("limit", "0")], "limit must be an integer from 1 to 10000, got 0"),
            ([("limit", "10001")], "limit must be an integer from 1 to 10000, got 10001"),
            ([("limit", "1e3")], "limit must be an integer from 1 to 10000, got 1e3"),
            ([("offset", "-1")], "offset must be an integer from 0 to 2147483647, got -1"),
            ([("offset", "2147483648")], "offset must be an integer from 0 to 2147483647, got 2147483648"),
            ([("format", "xml")], "format must be json or csv, got xml"),
        ]
        for (parameters, message) in cases {
            #expect(outcome(parameters: parameters) == .badRequest(message), "\(parameters)")
        }
    }

    /// The tenant names topics, so the Config rule applies: 1–100 of [A-Za-z0-9_.-].
    @Test func aTenantMustBeOneTheConfigAccepts() {
        guard case .badRequest(let m) = outcome(parameters: [("tenant", "a b")]) else { Issue.record("a b accepted"); return }
        #expect(m.hasPrefix("invalid configuration: tenant: ") && m.contains("is not a valid tenant"), "\(m)")
        #expect(outcome(parameters: [("tenant", "")]) != .accepted)
        #expect(outcome(parameters: [("tenant", String(repeating: "x", count: 101))]) != .accepted)
        #expect(outcome(parameters: [("tenant", String(repeating: "x", count: 100))]) == .accepted)
        #expect(outcome(parameters: [("tenant", "A-1_b.c")]) == .accepted)
    }

    /// Defaults, bounds and spellings that are accepted, and the query they make: one row more than the page is
    /// asked of the mirror, to tell whether a next page exists.
    @Test func acceptedParametersMakeTheMirrorQuery() throws {
        let plain = try QueryRequest(name: "trips_total", parameters: [], defaultTenant: "chicago")
        #expect(plain.limit == 1000 && plain.offset == 0 && plain.format == "json")
        #expect(plain.query.query == .tripsTotal && plain.query.tenant == "chicago" && plain.query.name == "trips_total")
        #expect(plain.query.limit == 1001 && plain.query.offset == 0 && plain.query.from == nil && plain.query.top == nil)
        #expect(!plain.query.finalOnly && !plain.query.descending)

        let full = try QueryRequest(name: "hotspot_window", parameters: [
            ("tenant", "acme"), ("from", "2015-03-06"), ("to", "2015-03-06T06:01:00Z"), ("top", "100000"),
            ("final", "1"), ("order", "desc"), ("limit", "10000"), ("offset", "2147483647"), ("format", "csv"),
        ], defaultTenant: "chicago")
        #expect(full.query.tenant == "acme")
        #expect(full.query.from == 1_425_600_000 && full.query.to == 1_425_621_660)
        #expect(full.query.top == 100_000 && full.query.finalOnly && full.query.descending)
        #expect(full.limit == 10_000 && full.query.limit == 10_001 && full.offset == Int(Int32.max) && full.format == "csv")

        for (text, final) in [("true", true), ("1", true), ("false", false), ("0", false)] {
            #expect(try QueryRequest(name: "trips_total", parameters: [("final", text)], defaultTenant: "c").query.finalOnly == final)
        }
        #expect(try QueryRequest(name: "trips_total", parameters: [("limit", "1")], defaultTenant: "c").query.limit == 2)
    }

    /// A page of `limit` rows from a real mirror, `next_offset` while rows remain; JSON with the documented keys.
    @Test func pagesOfTheMirrorCarryTheNextOffset() throws {
        let mirror = try SQLiteMirror(path: ":memory:", tenant: "chicago")
        for day in 1...5 {
            try mirror.db.execute("INSERT INTO trips_total VALUES ('chicago', '2015-03-0\(day)', \(day), \(day).5, NULL, 2.25, \(day % 2))")
        }
        try mirror.db.execute("INSERT INTO trips_total VALUES ('other', '2015-03-09', 9, 1.0, NULL, NULL, 1)")
        func page(_ parameters: [(String, String)]) throws -> (json: [String: Any], next: Int?) {
            let request = try QueryRequest(name: "trips_total", parameters: parameters, defaultTenant: "chicago")
            let page = try request.page(mirror.db)
            return (try #require(try JSONSerialization.jsonObject(with: Data(page.body.utf8)) as? [String: Any]), page.nextOffset)
        }
        let first = try page([("limit", "2")])
        #expect(first.next == 2)
        #expect(first.json["query"] as? String == "trips_total" && first.json["tenant"] as? String == "chicago")
        #expect(first.json["columns"] as? [String] == ["day", "trips_total", "fare_total", "tips_avg", "trip_total_avg", "final"])
        #expect(first.json["offset"] as? Int == 0 && first.json["limit"] as? Int == 2 && first.json["next_offset"] as? Int == 2)
        let rows = try #require(first.json["rows"] as? [[String: Any]])
        #expect(rows.map { $0["day"] as? String } == ["2015-03-01", "2015-03-02"])
        #expect(rows.map { $0["final"] as? Bool } == [true, false])
        #expect(rows[0]["fare_total"] as? Double == 1.5 && rows[0]["tips_avg"] is NSNull)

        let last = try page([("limit", "2"), ("offset", "4")])
        #expect(last.next == nil && last.json["next_offset"] is NSNull)
        #expect((last.json["rows"] as? [[String: Any]])?.map { $0["day"] as? String } == ["2015-03-05"])
        let exact = try page([("limit", "5")])
        #expect(exact.next == nil && (exact.json["rows"] as? [Any])?.count == 5)
    }
}
