import Testing
import TripCore
@testable import TripSQL

/// normalizedSQL is a canonical text: SQL differing in keyword case, layout, comments, redundant parentheses,
/// default AS names or interval units compiles to the same value and the same text, which compiles back to it.
@Suite struct NormalizationTests {
    @Test func theIssueExampleHasThisCanonicalText() throws {
        let q = try QueryAnalyzer.compile(QueryCompileTests.issueExample, name: "q")
        #expect(q.normalizedSQL == "SELECT window_start, window_end, company, COUNT(*) AS trips, SUM(fare) AS fare, "
            + "ROUND(AVG(trip_miles), 2) AS avg_miles, MAX(tips) "  // max_tips is MAX(tips)'s default name
            + "FROM HOP(trips, trip_start_timestamp, INTERVAL '15' MINUTE, INTERVAL '1' HOUR) "
            + "WHERE trip_miles > 0.00 AND company IS NOT NULL GROUP BY window_start, window_end, company")
    }

    @Test(arguments: [
        // (a variant, another spelling of the same query)
        ("SELECT window_start, window_end, COUNT(*) AS count FROM TUMBLE(trips, trip_end_timestamp, INTERVAL '60' MINUTE) GROUP BY window_end, window_start",
         "select WINDOW_START , window_end ,count( * )\nfrom Tumble ( trips , TRIP_END_TIMESTAMP , interval '1' hours ) -- x\ngroup by window_start,window_end ;"),
        ("SELECT window_start, window_end, SUM(fare) FROM TUMBLE(trips, trip_start_timestamp, INTERVAL '3600' SECOND) WHERE ((fare > 1) AND (tips > 0 AND tolls = 0)) GROUP BY window_start, window_end",
         "SELECT window_start, window_end, SUM(fare) AS sum_fare FROM TUMBLE(trips, trip_start_timestamp, INTERVAL '1' HOUR) WHERE fare > 1.00 AND tips > 0 AND (tolls = 0.0) GROUP BY window_start, window_end"),
        ("SELECT window_start, window_end, COUNT(*) FROM TUMBLE(trips, ingest_time, INTERVAL '1' MINUTE) WHERE (a_or_b_placeholder) GROUP BY window_start, window_end",
         "SELECT window_start, window_end, COUNT(*) FROM TUMBLE(trips, ingest_time, INTERVAL '60' SECONDS) WHERE ((a_or_b_placeholder)) GROUP BY window_start, window_end"),
    ])
    func spellingsOfOneQueryNormalizeAlike(_ a: String, _ b: String) throws {
        let condition = "fare > 1 OR (tips > 2 OR NOT (company = 'x' OR company IS NULL))"
        let qa = try QueryAnalyzer.compile(a.replacing("a_or_b_placeholder", with: condition), name: "q")
        let qb = try QueryAnalyzer.compile(b.replacing("a_or_b_placeholder", with: condition), name: "q")
        #expect(qa == qb)
        #expect(qa.normalizedSQL == qb.normalizedSQL)
        try expectStable(qa)
    }

    @Test(arguments: [
        "WHERE fare > 1 AND (tips > 2 OR tolls > 3)",
        "WHERE (fare > 1 OR tips > 2) AND NOT (tolls > 3 AND extras > 4)",
        "WHERE NOT NOT company = 'it''s' OR company NOT IN ('a', 'b') AND trip_miles <= -0.5",
        "WHERE NOT (fare > 1 OR tips > 2) AND dropoff_centroid_latitude >= 41.5",
        "WHERE trip_seconds IN (60) OR taxi_id IS NULL OR (pickup_census_tract <> 17031081500 AND fare < 99.99)",
    ])
    func conditionsKeepTheirMeaningWithMinimalParentheses(_ condition: String) throws {
        let q = try QueryAnalyzer.compile("""
            SELECT window_start, window_end, COUNT(*) FROM TUMBLE(trips, trip_start_timestamp, INTERVAL '1' HOUR)
            \(condition) GROUP BY window_start, window_end
            """, name: "q")
        try expectStable(q)
    }

    @Test func parenthesesStayWherePrecedenceNeedsThem() throws {
        let q = try QueryAnalyzer.compile("""
            SELECT window_start, window_end, COUNT(*) FROM TUMBLE(trips, trip_start_timestamp, INTERVAL '1' HOUR)
            WHERE ((fare > 1 OR tips > 2) AND NOT (tolls > 3 AND (extras > 4))) OR (company = 'a''b')
            GROUP BY window_start, window_end
            """, name: "q")
        #expect(q.normalizedSQL.contains(
            "WHERE (fare > 1.00 OR tips > 2.00) AND NOT (tolls > 3.00 AND extras > 4.00) OR company = 'a''b' GROUP BY"))
    }

    @Test func theNameIsNotPartOfTheText() throws {
        let a = try QueryAnalyzer.compile(QueryCompileTests.issueExample, name: "a")
        let b = try QueryAnalyzer.compile(QueryCompileTests.issueExample, name: "b")
        #expect(a != b && a.normalizedSQL == b.normalizedSQL)
    }

    /// normalizedSQL compiles to the same value and is its own normalization.
    func expectStable(_ q: AnalyticQuery) throws {
        let again = try QueryAnalyzer.compile(q.normalizedSQL, name: q.name)
        #expect(again == q, "\(q.normalizedSQL)")
        #expect(again.normalizedSQL == q.normalizedSQL)
    }
}
