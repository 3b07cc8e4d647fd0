import TripCore

/// The Cassandra end of the original pipeline: CQL for the result tables and the Kafka Connect
/// configuration of the DataStax Cassandra sink that maps each result topic onto its table.
/// Primary keys are the deterministic result keys, so replays and re-sent results upsert instead of
/// duplicating (the original keyed every row by `now()`).
public enum CassandraStage {
    public struct Table: Sendable {
        /// The built-in query whose topic it maps, or nil for a SQL query's (`userQuery`).
        public let query: QueryName?
        /// The SQL query (`queries.<name>`) whose topic it maps.
        public var userQuery: String? = nil
        public let name: String
        /// (column, CQL type, JSON field of the result message)
        public let columns: [(column: String, type: String, field: String)]
        public let partitionKey: [String]
        public let clustering: [String]
    }

    static let windowColumns: [(String, String, String)] = [
        ("window_start", "bigint", "window_start"), ("window_end", "bigint", "window_end"),
        ("window", "map<text, text>", "window"),
    ]

    public static let tables: [Table] = [
        Table(query: .sumFareWindow, name: "sumfarewindow",
              columns: [("tenant", "text", "tenant")] + windowColumns + [
                ("total_fare", "double", "total_fare"), ("tips_fare", "double", "tips_fare"),
                ("total_trip_total", "double", "total_trip_total"), ("trips", "bigint", "trips"), ("final", "boolean", "final"),
              ], partitionKey: ["tenant"], clustering: ["window_start", "window_end"]),
        Table(query: .tripsTotal, name: "tripstotal",
              columns: [("tenant", "text", "tenant"), ("day", "text", "day"), ("trips_total", "bigint", "trips_total"),
                        ("fare_total", "double", "fare_total"), ("tips_avg", "double", "tips_avg"),
                        ("trip_total_avg", "double", "trip_total_avg"), ("final", "boolean", "final")],
              partitionKey: ["tenant"], clustering: ["day"]),
        Table(query: .hotspotCommunityWindow, name: "hotspotcommunitywindow",
              columns: [("tenant", "text", "tenant")] + windowColumns + [
                ("pickup_community_area", "int", "pickup_community_area"), ("count", "bigint", "count"), ("final", "boolean", "final"),
              ], partitionKey: ["tenant"], clustering: ["window_start", "window_end", "pickup_community_area"]),
        Table(query: .hotspotWindow, name: "hotspotwindow",
              columns: [("tenant", "text", "tenant")] + windowColumns + [
                ("pickup_centroid_location", "text", "pickup_centroid_location"), ("count", "bigint", "count"), ("final", "boolean", "final"),
              ], partitionKey: ["tenant"], clustering: ["window_start", "window_end", "pickup_centroid_location"]),
    ]

    /// The table of a SQL query, from its value: named as the query; `tenant`, the `window` map, a column per output
    /// (the message's fields: window bounds and MIN/MAX of timestamps bigint, integers bigint, decimals decimal
    /// (exact), AVG double, text and days text), `final`; keyed by tenant, then the window bounds or day and the
    /// group columns. Cassandra refuses NULL in a key column, so a query meant for Cassandra should keep NULL group
    /// values out (`WHERE company IS NOT NULL`).
    public static func table(for query: AnalyticQuery) -> Table {
        var columns: [(column: String, type: String, field: String)] = [("tenant", "text", "tenant"),
                                                                         ("window", "map<text, text>", "window")]
        var keys: [String] = []
        for output in query.outputs {
            let type = switch output.type {
            case .integer, .timestamp: "bigint"
            case .decimal: "decimal"
            case .double: "double"
            case .text, .date: "text"
            }
            columns.append((output.name, type, output.name))
            if case .aggregate = output.source { continue }
            keys.append(output.name)
        }
        columns.append(("final", "boolean", "final"))
        return Table(query: nil, userQuery: query.name, name: query.name, columns: columns, partitionKey: ["tenant"],
                     clustering: keys)
    }

    /// The built-ins' tables, then those of `queries`.
    public static func tables(with queries: [AnalyticQuery]) -> [Table] { tables + queries.map(table(for:)) }

    public static func schema(keyspace: String, replication: Int = 3, queries: [AnalyticQuery] = []) -> String {
        var out = "CREATE KEYSPACE IF NOT EXISTS \(keyspace)\n  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': \(replication)};\n"
        for t in tables(with: queries) {
            out += "\nCREATE TABLE IF NOT EXISTS \(keyspace).\(t.name) (\n"
            out += t.columns.map { "  \($0.column) \($0.type)," }.joined(separator: "\n")
            out += "\n  PRIMARY KEY ((\(t.partitionKey.joined(separator: ", "))), \(t.clustering.joined(separator: ", ")))\n);\n"
        }
        return out
    }

    public static func connectConfig(name: String, tenant: String, keyspace: String, contactPoints: String,
                                     localDC: String, port: Int = 9042, queries: [AnalyticQuery] = []) -> String {
        let topics = TopicNames(tenant: tenant)
        var entries: [(String, String)] = [
            ("connector.class", "com.datastax.oss.kafka.sink.CassandraSinkConnector"),
            ("key.converter", "org.apache.kafka.connect.storage.StringConverter"),
            ("value.converter", "org.apache.kafka.connect.json.JsonConverter"),
            ("value.converter.schemas.enable", "false"),
            ("tasks.max", "4"),
            ("topics", topics.resultTopics(userQueries: queries.map(\.name)).joined(separator: ",")),
            ("contactPoints", contactPoints),
            ("loadBalancing.localDc", localDC),
            ("port", "\(port)"),
            ("ignoreErrors", "None"),
        ]
        for t in tables(with: queries) {
            let mapping = t.columns.map { "\($0.column)=value.\($0.field)" }.joined(separator: ",")
            let topic = t.query.map(topics.results) ?? topics.results(userQuery: t.userQuery ?? t.name)
            entries.append(("topic.\(topic).\(keyspace).\(t.name).mapping", mapping))
        }
        let config = entries.map { "    \(JSONText.string($0.0)): \(JSONText.string($0.1))" }.joined(separator: ",\n")
        return "{\n  \"name\": \(JSONText.string(name)),\n  \"config\": {\n\(config)\n  }\n}\n"
    }
}
