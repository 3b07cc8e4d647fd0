import Foundation
import Testing
import TripCore
import TripEngine
import TripSinks
import TripSQL
import TripTools

/// A SQL query's Cassandra table and Connect mapping come from its value and name exactly the fields of its
/// result messages (`QueryMessage`), for windows, days, groups and every output type.
@Suite struct SQLQueryCassandraTests {
    static let queries = [
        """
        SELECT window_start, window_end, company, payment_type, COUNT(*) AS trips, SUM(fare), AVG(tips),
               ROUND(AVG(trip_miles), 3) AS miles, MIN(trip_end_timestamp) AS first_end
        FROM HOP(trips, trip_start_timestamp, INTERVAL '15' MINUTE, INTERVAL '1' HOUR)
        WHERE company IS NOT NULL AND payment_type IS NOT NULL
        GROUP BY window_start, window_end, company, payment_type
        """,
        """
        SELECT DATE(window_start), COUNT(trip_seconds) AS timed, MAX(pickup_centroid_latitude) AS north
        FROM TUMBLE(trips, trip_end_timestamp, INTERVAL '1' DAY) GROUP BY DATE(window_start)
        """,
    ]

    @Test func mappingNamesExactlyTheMessageFields() throws {
        let compiled = try Self.queries.enumerated().map { try QueryAnalyzer.compile($1, name: "q\($0)") }
        let builtins = try QueryName.allCases.map { try BuiltinQueries.query($0, in: .chicago) }
        let config = CassandraStage.connectConfig(name: "sink", tenant: "acme", keyspace: "ks", contactPoints: "c",
                                                  localDC: "dc", queries: builtins + compiled)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(config.utf8)) as? [String: Any])
        let entries = try #require(json["config"] as? [String: String])
        #expect(entries["topics"]?.hasSuffix(",acme_q0,acme_q1") == true)
        let schema = CassandraStage.schema(keyspace: "ks", queries: builtins + compiled)
        for query in compiled {
            // A row of every output NULL except the window: the message still names every field.
            let values = query.outputs.map { o -> ResultValue in
                switch o.source {
                case .windowStart, .windowEnd: .timestamp(0)
                case .day: .date(0)
                default: .null
                }
            }
            var message = QueryMessage(query: query, tenant: "acme")
            message.build(QueryResultRow(windowStart: 0, windowEnd: 3_600_000, values: values, final: true))
            let fields = try #require(try JSONSerialization.jsonObject(with: Data(message.value)) as? [String: Any]).keys
            let mapping = try #require(entries["topic.acme_\(query.name).ks.\(query.name).mapping"])
            let mapped = mapping.split(separator: ",").map { $0.split(separator: "=")[1].dropFirst("value.".count) }
            #expect(Set(mapped.map(String.init)) == Set(fields), "\(query.name)")
            let table = CassandraStage.table(for: query)
            #expect(schema.contains("CREATE TABLE IF NOT EXISTS ks.\(query.name) ("))
            #expect(schema.contains("PRIMARY KEY ((tenant), \(table.clustering.joined(separator: ", ")))"))
        }
        #expect(CassandraStage.table(for: compiled[0]).clustering == ["window_start", "window_end", "company", "payment_type"])
        #expect(CassandraStage.table(for: compiled[1]).clustering == ["day"])
    }

    /// A key column that may be NULL is named, with the WHERE that keeps such rows out; a query whose WHERE rules
    /// NULL out (and the built-ins) gets no warning.
    @Test func nullableKeyColumnsAreWarnedAbout() throws {
        let loose = try QueryAnalyzer.compile(
            """
            SELECT window_start, window_end, company, payment_type AS pay, COUNT(*)
            FROM TUMBLE(trips, trip_start_timestamp, INTERVAL '1' HOUR)
            WHERE payment_type IN ('Cash', 'Credit Card') OR trip_miles > 3
            GROUP BY window_start, window_end, company, payment_type
            """, name: "loose")
        #expect(CassandraStage.nullableKeyColumns(of: loose).map(\.output) == ["company", "pay"])
        let strict = try QueryAnalyzer.compile(Self.queries[0], name: "strict")
        let builtins = try QueryName.allCases.map { try BuiltinQueries.query($0, in: .chicago) }
        #expect(CassandraStage.nullKeyWarnings(for: builtins + [strict]).isEmpty)
        #expect(CassandraStage.nullKeyWarnings(for: builtins + [loose, strict]) == [
            "warning: query 'loose': key columns 'company', 'pay' may be NULL, which Cassandra refuses (the sink fails "
                + "such a record); add WHERE company IS NOT NULL AND payment_type IS NOT NULL to keep those rows out",
        ])
    }
}
