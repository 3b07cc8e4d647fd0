import Testing
import TripCore
import TripSQLite
import TripSinks
@testable import TripSQL

/// The four built-in SQL texts, which the engine runs, are the original analytics: windows from the
/// configuration, its time column, their filters, keys and aggregates, and output names equal to the mirror's
/// columns.
@Suite struct BuiltinQueryTests {
    /// Profiles and configurations that move every knob the built-ins take: windows, slides, the time column.
    static let configs: [(String, TripstreamConfig)] = {
        var custom = TripstreamConfig.seed
        custom.timeColumn = .tripEnd
        custom.sumFareWindow.window = WindowSpec(length: 600_000, slide: 120_000)
        custom.hotspotWindow.window = WindowSpec(length: 3_000_000, slide: 900_000)
        custom.hotspotCommunityWindow.window = .tumbling(90_000)
        var kafka = TripstreamConfig.chicago
        kafka.timeColumn = .kafkaTimestamp
        // Windows of whole days from the Unix epoch (`window` 1d, 2d): 24-hour durations, not calendar days.
        var days = TripstreamConfig.chicago
        days.sumFareWindow.window = .tumbling(86_400_000)
        days.hotspotWindow.window = WindowSpec(length: 172_800_000, slide: 86_400_000)
        return [("chicago", .chicago), ("seed", .seed), ("custom", custom), ("kafka", kafka), ("days", days)]
    }()

    @Test(arguments: configs.map(\.0))
    func eachBuiltinMatchesTheConfiguredDefinition(_ configName: String) throws {
        let config = try #require(Self.configs.first { $0.0 == configName }?.1)
        for name in QueryName.allCases {
            let q = try BuiltinQueries.query(name, in: config)
            #expect(q.name == name.rawValue)
            #expect(q.window.timeColumn == config.timeColumn)
            if name == .tripsTotal {
                #expect(q.window == QueryWindow(kind: .tumble, timeColumn: config.timeColumn,
                                                spec: TripstreamConfig.dayWindow, dayAligned: true))
            } else {
                let spec = config[name].window
                #expect(q.window.spec == spec, "\(name)")
                #expect(q.window.kind == (spec.slide == spec.length ? .tumble : .hop))
                #expect(!q.window.dayAligned)
            }
            #expect(q == Self.expected(name, window: q.window), "\(name): \(q.normalizedSQL)")
            let again = try QueryAnalyzer.compile(q.normalizedSQL, name: q.name)
            #expect(again == q)
        }
    }

    /// What Engine.swift computes for each query, as a value (the window checked above).
    static func expected(_ name: QueryName, window: QueryWindow) -> AnalyticQuery {
        func out(_ name: String, _ source: OutputColumn.Source, _ type: ValueType) -> OutputColumn {
            OutputColumn(name: name, source: source, type: type)
        }
        let bounds = [out("window_start", .windowStart, .timestamp), out("window_end", .windowEnd, .timestamp)]
        let money = ValueType.decimal(scale: 2)
        switch name {
        case .sumFareWindow:
            return AnalyticQuery(
                name: name.rawValue, window: window, filter: nil, groupKey: GroupKey(window: .bounds, columns: []),
                aggregates: [Aggregate(kind: .sum, column: .fare), Aggregate(kind: .sum, column: .tips),
                             Aggregate(kind: .sum, column: .tripTotal), Aggregate(kind: .countRows, column: nil)],
                outputs: bounds + [out("total_fare", .aggregate(0), money), out("tips_fare", .aggregate(1), money),
                                   out("total_trip_total", .aggregate(2), money), out("trips", .aggregate(3), .integer)])
        case .tripsTotal:
            return AnalyticQuery(
                name: name.rawValue, window: window, filter: nil, groupKey: GroupKey(window: .day, columns: []),
                aggregates: [Aggregate(kind: .countRows, column: nil), Aggregate(kind: .sum, column: .fare),
                             Aggregate(kind: .avg, column: .tips, roundTo: 2),
                             Aggregate(kind: .avg, column: .tripTotal, roundTo: 2)],
                outputs: [out("day", .day, .date), out("trips_total", .aggregate(0), .integer),
                          out("fare_total", .aggregate(1), money), out("tips_avg", .aggregate(2), money),
                          out("trip_total_avg", .aggregate(3), money)])
        case .hotspotCommunityWindow, .hotspotWindow:
            let column: TripColumn = name == .hotspotWindow ? .pickupCentroidLocation : .pickupCommunityArea
            return AnalyticQuery(
                name: name.rawValue, window: window, filter: .isNotNull(column),
                groupKey: GroupKey(window: .bounds, columns: [column]),
                aggregates: [Aggregate(kind: .countRows, column: nil)],
                outputs: bounds + [out(column.name, .group(0), column.type), out("count", .aggregate(0), .integer)])
        }
    }

    @Test func outputNamesAreTheMirrorColumnsAndKeysItsPrimaryKey() throws {
        let db = try SQLiteDatabase(path: ":memory:")
        try db.execute(MirrorSchema.ddl)
        for name in QueryName.allCases {
            let q = try BuiltinQueries.query(name, in: .chicago)
            let columns = try db.rows("SELECT name, pk FROM pragma_table_info(?) ORDER BY cid", [.text(name.rawValue)])
            let names = columns.map { $0[0].description }.filter { $0 != "tenant" && $0 != "final" }
            #expect(q.outputs.map(\.name) == names, "\(name)")
            // The stored table's key besides tenant: the window (or day) and the group columns, as the value's.
            let storage = MirrorSchema.storage(of: name.rawValue)
            let key = try db.rows("SELECT name FROM pragma_table_info(?) WHERE pk > 0 AND name <> 'tenant' ORDER BY pk",
                                  [.text(storage)]).map { $0[0].description }
            let window = q.groupKey.window == .day ? ["day"] : ["window_start", "window_end"]
            let groups = q.groupKey.columns.map { $0 == .pickupCentroidLocation ? "location_id" : $0.name }
            #expect(key == window + groups, "\(name)")
        }
    }

    @Test func theTextsReadAsDocumented() {
        #expect(BuiltinQueries.sql(.hotspotWindow, in: .chicago) == """
            SELECT window_start, window_end, pickup_centroid_location, COUNT(*) AS count
            FROM HOP(trips, trip_start_timestamp, INTERVAL '15' MINUTE, INTERVAL '1' HOUR)
            WHERE pickup_centroid_location IS NOT NULL
            GROUP BY window_start, window_end, pickup_centroid_location
            """)
        #expect(BuiltinQueries.sql(.sumFareWindow, in: .seed).contains("FROM TUMBLE(trips, trip_start_timestamp, INTERVAL '5' SECOND)"))
    }
}
