import TripCore

/// The Cassandra end of the original pipeline: CQL for the result tables and the Kafka Connect
/// configuration of the DataStax Cassandra sink that maps each result topic onto its table.
/// Primary keys are the deterministic result keys, so replays and re-sent results upsert instead of
/// duplicating (the original keyed every row by `now()`).
public enum CassandraStage {
    public struct Table: Sendable {
        /// The query (built-in or SQL) whose topic it maps.
        public let query: String
        /// The CQL table: the query's name, or for a built-in the original platform's table name.
        public let name: String
        /// (column, CQL type, JSON field of the result message)
        public let columns: [(column: String, type: String, field: String)]
        public let partitionKey: [String]
        public let clustering: [String]
    }

    /// The built-ins' tables are named as the original platform named them.
    static let originalTableNames = [
        QueryName.sumFareWindow.rawValue: "sumfarewindow", QueryName.tripsTotal.rawValue: "tripstotal",
        QueryName.hotspotCommunityWindow.rawValue: "hotspotcommunitywindow", QueryName.hotspotWindow.rawValue: "hotspotwindow",
    ]

    /// The table of a query, from its value: named as the query (a built-in: the original table name); `tenant`, a
    /// column per output in SELECT order with the `window` map after the window bounds (a query by day has none:
    /// its messages carry no `window` object), `final`; keyed by tenant, then the window bounds or day and the
    /// group columns. Types: window bounds and MIN/MAX of timestamps bigint, counts and other integers bigint
    /// (community areas, 1–77, int), decimals and AVG double (the Connect JSON converter reads every number with a
    /// fraction as a double), text and days text. Cassandra refuses NULL in a key column, so a query meant for
    /// Cassandra should keep NULL group values out (`WHERE company IS NOT NULL`).
    public static func table(for query: AnalyticQuery) -> Table {
        var columns: [(column: String, type: String, field: String)] = [("tenant", "text", "tenant")]
        var keys: [String] = []
        let lastBound = query.outputs.lastIndex { $0.source == .windowStart || $0.source == .windowEnd }
        for (i, output) in query.outputs.enumerated() {
            columns.append((output.name, cqlType(output, in: query), output.name))
            if i == lastBound { columns.append(("window", "map<text, text>", "window")) }
            if case .aggregate = output.source { continue }
            keys.append(output.name)
        }
        columns.append(("final", "boolean", "final"))
        return Table(query: query.name, name: originalTableNames[query.name] ?? query.name, columns: columns,
                     partitionKey: ["tenant"], clustering: keys)
    }

    /// The key columns of `query`'s table that may be NULL: group outputs whose column its WHERE does not keep
    /// non-NULL. Cassandra refuses a row with a NULL key column, so the sink would fail such a message.
    public static func nullableKeyColumns(of query: AnalyticQuery) -> [(output: String, column: TripColumn)] {
        query.outputs.compactMap { output in
            guard case .group(let j) = output.source else { return nil }
            let column = query.groupKey.columns[j]
            return query.filter?.rejectsNull(in: column) == true ? nil : (output.name, column)
        }
    }

    /// One warning per query whose table has a key column that may be NULL, with the way out.
    public static func nullKeyWarnings(for queries: [AnalyticQuery]) -> [String] {
        queries.compactMap { query in
            let nullable = nullableKeyColumns(of: query)
            guard !nullable.isEmpty else { return nil }
            let outputs = nullable.map { "'\($0.output)'" }.joined(separator: ", ")
            let fix = nullable.map { "\($0.column.name) IS NOT NULL" }.joined(separator: " AND ")
            return "warning: query '\(query.name)': key column\(nullable.count > 1 ? "s" : "") \(outputs) may be NULL, "
                + "which Cassandra refuses (the sink fails such a record); add WHERE \(fix) to keep those rows out"
        }
    }

    static func cqlType(_ output: OutputColumn, in query: AnalyticQuery) -> String {
        if case .group(let i) = output.source,
           [.pickupCommunityArea, .dropoffCommunityArea].contains(query.groupKey.columns[i]) {
            return "int"
        }
        return switch output.type {
        case .integer, .timestamp: "bigint"
        case .decimal, .double: "double"
        case .text, .date: "text"
        }
    }

    /// The tables of `queries` (the built-ins' values first, then the SQL queries', as a job runs them).
    public static func tables(for queries: [AnalyticQuery]) -> [Table] { queries.map(table(for:)) }

    public static func schema(keyspace: String, replication: Int = 3, queries: [AnalyticQuery]) -> String {
        var out = "CREATE KEYSPACE IF NOT EXISTS \(keyspace)\n  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': \(replication)};\n"
        for t in tables(for: queries) {
            out += "\nCREATE TABLE IF NOT EXISTS \(keyspace).\(t.name) (\n"
            out += t.columns.map { "  \($0.column) \($0.type)," }.joined(separator: "\n")
            out += "\n  PRIMARY KEY ((\(t.partitionKey.joined(separator: ", "))), \(t.clustering.joined(separator: ", ")))\n);\n"
        }
        return out
    }

    public static func connectConfig(name: String, tenant: String, keyspace: String, contactPoints: String,
                                     localDC: String, port: Int = 9042, queries: [AnalyticQuery]) -> String {
        let topics = TopicNames(tenant: tenant)
        var entries: [(String, String)] = [
            ("connector.class", "com.datastax.oss.kafka.sink.CassandraSinkConnector"),
            ("key.converter", "org.apache.kafka.connect.storage.StringConverter"),
            ("value.converter", "org.apache.kafka.connect.json.JsonConverter"),
            ("value.converter.schemas.enable", "false"),
            ("tasks.max", "4"),
            ("topics", queries.map { topics.results(query: $0.name) }.joined(separator: ",")),
            ("contactPoints", contactPoints),
            ("loadBalancing.localDc", localDC),
            ("port", "\(port)"),
            ("ignoreErrors", "None"),
        ]
        for t in tables(for: queries) {
            let mapping = t.columns.map { "\($0.column)=value.\($0.field)" }.joined(separator: ",")
            entries.append(("topic.\(topics.results(query: t.query)).\(keyspace).\(t.name).mapping", mapping))
        }
        let config = entries.map { "    \(JSONText.string($0.0)): \(JSONText.string($0.1))" }.joined(separator: ",\n")
        return "{\n  \"name\": \(JSONText.string(name)),\n  \"config\": {\n\(config)\n  }\n}\n"
    }
}
