import Testing
import TripCore
@testable import TripSQL

/// Valid queries compile to the value the engine, mirror and topics will be driven by.
@Suite struct QueryCompileTests {
    static let issueExample = """
        SELECT window_start, window_end, company,
               COUNT(*) AS trips, SUM(fare) AS fare, ROUND(AVG(trip_miles), 2) AS avg_miles, MAX(tips) AS max_tips
        FROM HOP(trips, trip_start_timestamp, INTERVAL '15' MINUTE, INTERVAL '1' HOUR)
        WHERE trip_miles > 0 AND company IS NOT NULL
        GROUP BY window_start, window_end, company
        """

    @Test func theIssueExampleCompilesToItsValue() throws {
        let q = try QueryAnalyzer.compile(Self.issueExample, name: "revenue_by_company")
        let expected = AnalyticQuery(
            name: "revenue_by_company",
            window: QueryWindow(kind: .hop, timeColumn: .tripStart, spec: WindowSpec(length: 3_600_000, slide: 900_000),
                                dayAligned: false),
            filter: .and([.compare(.tripMiles, .greater, .number(0)), .isNotNull(.company)]),
            groupKey: GroupKey(window: .bounds, columns: [.company]),
            aggregates: [Aggregate(kind: .countRows, column: nil), Aggregate(kind: .sum, column: .fare),
                         Aggregate(kind: .avg, column: .tripMiles, roundTo: 2), Aggregate(kind: .max, column: .tips)],
            outputs: [
                OutputColumn(name: "window_start", source: .windowStart, type: .timestamp),
                OutputColumn(name: "window_end", source: .windowEnd, type: .timestamp),
                OutputColumn(name: "company", source: .group(0), type: .text),
                OutputColumn(name: "trips", source: .aggregate(0), type: .integer),
                OutputColumn(name: "fare", source: .aggregate(1), type: .decimal(scale: 2)),
                OutputColumn(name: "avg_miles", source: .aggregate(2), type: .decimal(scale: 2)),
                OutputColumn(name: "max_tips", source: .aggregate(3), type: .decimal(scale: 2)),
            ])
        #expect(q == expected)
        #expect(q.columns == [.tripStartTimestamp, .tripMiles, .fare, .tips, .company])
    }

    @Test func aTumblingWindowOfOneDayIsTheLocalCalendarDay() throws {
        let q = try QueryAnalyzer.compile("""
            SELECT DATE(window_start), payment_type, COUNT(*) FROM TUMBLE(trips, trip_end_timestamp, INTERVAL '1' DAYS)
            GROUP BY DATE(window_start), payment_type
            """, name: "by_payment")
        #expect(q.window == QueryWindow(kind: .tumble, timeColumn: .tripEnd, spec: .tumbling(86_400_000), dayAligned: true))
        #expect(q.groupKey == GroupKey(window: .day, columns: [.paymentType]))
        #expect(q.outputs.map(\.name) == ["day", "payment_type", "count"])
        #expect(q.outputs.map(\.type) == [.date, .text, .integer])
    }

    /// HOUR is a duration: 24 hours from the Unix epoch, as a built-in's `window` of 1d, not the local day.
    @Test func twentyFourHoursIsADurationNotTheCalendarDay() throws {
        let q = try QueryAnalyzer.compile("""
            SELECT window_start, window_end, COUNT(*) FROM TUMBLE(trips, trip_start_timestamp, INTERVAL '24' HOUR)
            GROUP BY window_start, window_end
            """, name: "daily")
        #expect(q.window == QueryWindow(kind: .tumble, timeColumn: .tripStart, spec: .tumbling(86_400_000), dayAligned: false))
        #expect(q.normalizedSQL.contains("INTERVAL '24' HOUR"))
        let hop = try QueryAnalyzer.compile("""
            SELECT window_start, window_end, COUNT(*)
            FROM HOP(trips, trip_start_timestamp, INTERVAL '24' HOUR, INTERVAL '48' HOUR)
            GROUP BY window_start, window_end
            """, name: "two_days")
        #expect(hop.window.spec == WindowSpec(length: 172_800_000, slide: 86_400_000) && !hop.window.dayAligned)
        #expect(try QueryAnalyzer.compile(hop.normalizedSQL, name: "two_days") == hop)
        #expect(throws: SQLError.self) {
            try QueryAnalyzer.compile("""
                SELECT DATE(window_start), COUNT(*) FROM TUMBLE(trips, trip_start_timestamp, INTERVAL '24' HOUR)
                GROUP BY DATE(window_start)
                """, name: "not_a_day")
        }
    }

    @Test func withoutASOutputsTakeDefaultNames() throws {
        let q = try QueryAnalyzer.compile("""
            SELECT window_start, window_end, COUNT(*), COUNT(tolls), SUM(trip_seconds), AVG(extras), ROUND(AVG(fare), 1),
                   MIN(trip_start_timestamp), MAX(dropoff_centroid_latitude)
            FROM TUMBLE(trips, kafka_timestamp, INTERVAL '90' SECOND) GROUP BY window_start, window_end
            """, name: "q")
        #expect(q.outputs.map(\.name) == ["window_start", "window_end", "count", "count_tolls", "sum_trip_seconds",
                                          "avg_extras", "avg_fare", "min_trip_start_timestamp",
                                          "max_dropoff_centroid_latitude"])
        #expect(q.outputs.map(\.type) == [.timestamp, .timestamp, .integer, .integer, .integer, .double,
                                          .decimal(scale: 1), .timestamp, .decimal(scale: 9)])
        #expect(q.window.timeColumn == .kafkaTimestamp && q.window.spec == .tumbling(90_000))
    }

    @Test func whereLiteralsTakeTheirColumnsType() throws {
        let q = try QueryAnalyzer.compile("""
            select window_start, window_end, count(*) from tumble(trips, ingest_time, interval '1' minutes)
            where (fare >= 10.5 or tips <> -2 or trip_seconds != 600)
              and company in ('Flash Cab', 'Sun Taxi''s') and not payment_type = 'Cash'
              and pickup_community_area not in (8, 32) and dropoff_centroid_longitude < -87.6 and taxi_id is null
            group by window_end, window_start;
            """, name: "q")
        #expect(q.filter == .and([
            .or([.compare(.fare, .greaterOrEqual, .number(1050)), .compare(.tips, .notEqual, .number(-200)),
                 .compare(.tripSeconds, .notEqual, .number(600))]),
            .oneOf(.company, [.text("Flash Cab"), .text("Sun Taxi's")]),
            .not(.compare(.paymentType, .equal, .text("Cash"))),
            .not(.oneOf(.pickupCommunityArea, [.number(8), .number(32)])),
            .compare(.dropoffCentroidLongitude, .less, .number(-87_600_000_000)),
            .isNull(.taxiID),
        ]))
        #expect(q.window.timeColumn == .ingest && q.window.spec == .tumbling(60_000))
    }

    @Test func commentsCaseAndLayoutDoNotMatter() throws {
        let plain = try QueryAnalyzer.compile(Self.issueExample, name: "q")
        let styled = try QueryAnalyzer.compile("""
            -- revenue per company
            Select Window_Start,WINDOW_END,Company,count(*) as TRIPS,sum(FARE)as fare, -- money
            round( avg(trip_miles) ,2) AS avg_miles,max(tips) AS max_tips
            from hop(TRIPS,trip_start_timestamp,interval'15'minute,interval'60'MINUTES)
            where((trip_miles>0))and(company is not null)group by window_start,window_end,company;
            """, name: "q")
        #expect(styled == plain)
    }

    @Test func aHopNeedNotBeAMultipleOfItsSlide() throws {
        // As the configuration accepts it (chicago's 15 min slide under a 50 min window).
        let q = try QueryAnalyzer.compile("""
            SELECT window_start, window_end, COUNT(*) FROM HOP(trips, trip_start_timestamp, INTERVAL '15' MINUTE,
            INTERVAL '50' MINUTE) GROUP BY window_start, window_end
            """, name: "q")
        #expect(q.window.spec == WindowSpec(length: 3_000_000, slide: 900_000))
    }

    @Test func dateOfWindowStartMayBeSelectedBesideTheBoundsOfADayWindow() throws {
        let q = try QueryAnalyzer.compile("""
            SELECT window_start, window_end, DATE(window_start), SUM(tolls) FROM TUMBLE(trips, trip_start_timestamp,
            INTERVAL '1' DAY) GROUP BY window_start, window_end
            """, name: "q")
        #expect(q.groupKey.window == .bounds)
        #expect(q.outputs.map(\.source) == [.windowStart, .windowEnd, .day, .aggregate(0)])
    }
}

/// Which WHERE clauses keep every group value non-NULL (what lets a query's mirror table use a primary key).
@Suite struct NullRejectingFilterTests {
    static func neverNull(_ condition: String?, groups: String = "company") throws -> Bool {
        let sql = """
            SELECT window_start, window_end, \(groups), COUNT(*) AS n FROM TUMBLE(trips, trip_start_timestamp, INTERVAL '1' HOUR)
            \(condition.map { "WHERE \($0)" } ?? "") GROUP BY window_start, window_end, \(groups)
            """
        return try QueryAnalyzer.compile(sql, name: "q").groupValuesAreNeverNull
    }

    @Test(arguments: [
        ("company IS NOT NULL", true),
        ("company = 'Flash Cab'", true),
        ("company <> 'Flash Cab'", true),
        ("company IN ('a', 'b')", true),
        ("NOT company = 'a'", true),            // NOT UNKNOWN is UNKNOWN: a NULL company is not kept
        ("NOT company IS NULL", true),
        ("trip_miles > 0 AND company IS NOT NULL", true),
        ("company = 'a' OR company = 'b'", true),
        ("company IS NULL", false),
        ("NOT company IS NOT NULL", false),
        ("company = 'a' OR trip_miles > 0", false),  // a NULL company passes when trip_miles > 0
        ("trip_miles > 0", false),
        ("NOT (company = 'a' AND trip_miles > 0)", false),  // conservative: not proven
    ])
    func oneGroupColumn(condition: String, expected: Bool) throws {
        #expect(try Self.neverNull(condition) == expected, "\(condition)")
    }

    @Test func everyGroupColumnMustBeCoveredAndNoGroupIsTrivial() throws {
        #expect(try Self.neverNull(nil) == false)
        #expect(try Self.neverNull("company IS NOT NULL", groups: "company, payment_type") == false)
        #expect(try Self.neverNull("company IS NOT NULL AND payment_type IN ('Cash')", groups: "company, payment_type"))
        let ungrouped = try QueryAnalyzer.compile(
            "SELECT window_start, window_end, COUNT(*) AS n FROM TUMBLE(trips, trip_start_timestamp, INTERVAL '1' HOUR) GROUP BY window_start, window_end",
            name: "q")
        #expect(ungrouped.groupValuesAreNeverNull)
    }
}
