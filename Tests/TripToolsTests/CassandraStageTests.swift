import Foundation
import Testing
import TripCore
@testable import TripEngine
import TripKafka
@testable import TripPipeline
import TripSQL
import TripTesting
import TripTools

/// The Cassandra end: the CQL tables, the Kafka Connect mappings, and whether they fit the messages the result
/// topics really carry.
@Suite struct CassandraStageTests {
    /// The built-ins' values under `config`, in QueryName order.
    static func builtins(_ config: TripstreamConfig = .chicago) throws -> [AnalyticQuery] {
        try QueryName.allCases.map { try BuiltinQueries.query($0, in: config) }
    }

    /// The original platform's CQL and Connect mappings, as the hand-written tables printed them: the built-ins'
    /// values alone must give them byte for byte, under either profile (windows do not change a table).
    @Test(arguments: ["chicago", "seed"])
    func theBuiltinsValuesGiveTheOriginalTablesAndMappings(profile: String) throws {
        let config: TripstreamConfig = profile == "seed" ? .seed : .chicago
        let queries = try Self.builtins(config)
        #expect(CassandraStage.schema(keyspace: "mysimbdp_coredms", queries: queries) == Self.originalSchema)
        #expect(CassandraStage.connectConfig(name: "cassandra-sink", tenant: "tenantstreamapp", keyspace: "mysimbdp_coredms",
                                             contactPoints: "cassandra1", localDC: "helsinki", queries: queries)
                == Self.originalConnectConfig)
    }

    static let originalSchema = """
CREATE KEYSPACE IF NOT EXISTS mysimbdp_coredms
  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 3};

CREATE TABLE IF NOT EXISTS mysimbdp_coredms.sumfarewindow (
  tenant text,
  window_start bigint,
  window_end bigint,
  window map<text, text>,
  total_fare double,
  tips_fare double,
  total_trip_total double,
  trips bigint,
  final boolean,
  PRIMARY KEY ((tenant), window_start, window_end)
);

CREATE TABLE IF NOT EXISTS mysimbdp_coredms.tripstotal (
  tenant text,
  day text,
  trips_total bigint,
  fare_total double,
  tips_avg double,
  trip_total_avg double,
  final boolean,
  PRIMARY KEY ((tenant), day)
);

CREATE TABLE IF NOT EXISTS mysimbdp_coredms.hotspotcommunitywindow (
  tenant text,
  window_start bigint,
  window_end bigint,
  window map<text, text>,
  pickup_community_area int,
  count bigint,
  final boolean,
  PRIMARY KEY ((tenant), window_start, window_end, pickup_community_area)
);

CREATE TABLE IF NOT EXISTS mysimbdp_coredms.hotspotwindow (
  tenant text,
  window_start bigint,
  window_end bigint,
  window map<text, text>,
  pickup_centroid_location text,
  count bigint,
  final boolean,
  PRIMARY KEY ((tenant), window_start, window_end, pickup_centroid_location)
);

"""

    static let originalConnectConfig = """
{
  "name": "cassandra-sink",
  "config": {
    "connector.class": "com.datastax.oss.kafka.sink.CassandraSinkConnector",
    "key.converter": "org.apache.kafka.connect.storage.StringConverter",
    "value.converter": "org.apache.kafka.connect.json.JsonConverter",
    "value.converter.schemas.enable": "false",
    "tasks.max": "4",
    "topics": "tenantstreamapp_sumFareWindowStream,tenantstreamapp_tripsTotalStream,tenantstreamapp_hotspotCommunityPickupWindowStream,tenantstreamapp_hotspotWindowStream",
    "contactPoints": "cassandra1",
    "loadBalancing.localDc": "helsinki",
    "port": "9042",
    "ignoreErrors": "None",
    "topic.tenantstreamapp_sumFareWindowStream.mysimbdp_coredms.sumfarewindow.mapping": "tenant=value.tenant,window_start=value.window_start,window_end=value.window_end,window=value.window,total_fare=value.total_fare,tips_fare=value.tips_fare,total_trip_total=value.total_trip_total,trips=value.trips,final=value.final",
    "topic.tenantstreamapp_tripsTotalStream.mysimbdp_coredms.tripstotal.mapping": "tenant=value.tenant,day=value.day,trips_total=value.trips_total,fare_total=value.fare_total,tips_avg=value.tips_avg,trip_total_avg=value.trip_total_avg,final=value.final",
    "topic.tenantstreamapp_hotspotCommunityPickupWindowStream.mysimbdp_coredms.hotspotcommunitywindow.mapping": "tenant=value.tenant,window_start=value.window_start,window_end=value.window_end,window=value.window,pickup_community_area=value.pickup_community_area,count=value.count,final=value.final",
    "topic.tenantstreamapp_hotspotWindowStream.mysimbdp_coredms.hotspotwindow.mapping": "tenant=value.tenant,window_start=value.window_start,window_end=value.window_end,window=value.window,pickup_centroid_location=value.pickup_centroid_location,count=value.count,final=value.final"
  }
}

"""

    /// One table's statement from the schema text: its column lines and its primary key.
    func statement(_ cql: String, keyspace: String, table: String) throws -> (columns: [String], key: String) {
        let body = try #require(cql.components(separatedBy: "CREATE TABLE IF NOT EXISTS \(keyspace).\(table) (\n").dropFirst().first)
        let lines = body.components(separatedBy: "\n);").first!.split(separator: "\n").map(String.init)
        let key = try #require(lines.last.flatMap { $0.hasPrefix("  PRIMARY KEY ") ? $0 : nil })
        return (Array(lines.dropLast()), key)
    }

    /// One table per query; each CREATE TABLE lists the table's columns with their types, and its primary key
    /// (tenant partitions; the result key clusters) names only columns the table has.
    @Test func schemaCreatesOneTablePerQueryWithItsKeyColumns() throws {
        let tables = CassandraStage.tables(for: try Self.builtins())
        let cql = CassandraStage.schema(keyspace: "ks1", replication: 2, queries: try Self.builtins())
        #expect(cql.hasPrefix("CREATE KEYSPACE IF NOT EXISTS ks1\n  WITH replication = {'class': 'SimpleStrategy', 'replication_factor': 2};\n"))
        #expect(tables.map(\.query) == QueryName.allCases.map(\.rawValue))
        #expect(cql.components(separatedBy: "CREATE TABLE").count - 1 == QueryName.allCases.count)
        for t in tables {
            let s = try statement(cql, keyspace: "ks1", table: t.name)
            #expect(s.columns == t.columns.map { "  \($0.column) \($0.type)," }, "\(t.name)")
            #expect(s.key == "  PRIMARY KEY ((tenant), \(t.clustering.joined(separator: ", ")))")
            let columns = Set(t.columns.map(\.column))
            #expect(Set(t.partitionKey + t.clustering).isSubset(of: columns), "\(t.name)")
            #expect(columns.isSuperset(of: ["tenant", "final"]))
        }
    }

    /// The Connect configuration reads the four result topics TopicNames names and maps each onto its table.
    @Test func connectConfigMapsEachResultTopicOntoItsTable() throws {
        let text = CassandraStage.connectConfig(name: "sink \"1\"", tenant: "acme", keyspace: "ks1",
                                                contactPoints: "c1,c2", localDC: "dc1", port: 9142,
                                                queries: try Self.builtins())
        let json = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(json["name"] as? String == "sink \"1\"")
        let config = try #require(json["config"] as? [String: String])
        let topics = TopicNames(tenant: "acme")
        #expect(config["topics"] == QueryName.allCases.map(topics.results).joined(separator: ","))
        #expect(config["contactPoints"] == "c1,c2" && config["loadBalancing.localDc"] == "dc1" && config["port"] == "9142")
        #expect(config.keys.filter { $0.hasSuffix(".mapping") }.count == 4)
        for t in CassandraStage.tables(for: try Self.builtins()) {
            let mapping = try #require(config["topic.\(topics.results(query: t.query)).ks1.\(t.name).mapping"], "\(t.name)")
            #expect(mapping == t.columns.map { "\($0.column)=value.\($0.field)" }.joined(separator: ","))
        }
    }

    /// A JSON value as the Connect sink sees it, to check it against the column's CQL type.
    enum Value: Decodable {
        case null, bool(Bool), integer(Int64), number(Double), text(String), map([String: String])
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if c.decodeNil() { self = .null }
            else if let b = try? c.decode(Bool.self) { self = .bool(b) }
            else if let i = try? c.decode(Int64.self) { self = .integer(i) }
            else if let d = try? c.decode(Double.self) { self = .number(d) }
            else if let s = try? c.decode(String.self) { self = .text(s) }
            else { self = .map(try c.decode([String: String].self)) }
        }

        func fits(_ cqlType: String) -> Bool {
            switch (self, cqlType) {
            case (.bool, "boolean"), (.integer, "bigint"), (.integer, "int"), (.text, "text"): true
            case (.null, "double"), (.integer, "double"), (.number, "double"): true
            case (.map, "map<text, text>"): true
            default: false
            }
        }
    }

    /// The valuable cross-check: the result topics' real messages (ResultTopicSink, through an in-process mock
    /// cluster) carry exactly the fields the mappings read, each of a type its CQL column takes.
    @Test func mappingsReadExactlyTheFieldsOfTheResultMessages() throws {
        let tenant = "acme"
        let cluster = try mockCluster(tenant: tenant, ingestPartitions: 1)
        // A row per query from the engine itself; tips stay unknown: a null field.
        var engine = Engine(config: .chicago)
        let start = EventTime(1_425_621_600_000)
        _ = engine.ingest(Trip(eventTime: start, fareCents: 1_234, tripTotalCents: 2_001, communityArea: 8),
                          location: "POINT (-87.6 41.8)")
        let output = engine.endEpoch(endOfInput: true)
        try #require(output.queries.allSatisfy { !$0.rows.isEmpty })
        let sink = try ResultTopicSink(kafka: KafkaConfig(bootstrapServers: cluster.bootstrapServers), tenant: tenant,
                                       queries: engine.queries)
        try sink.write(output, deadLetters: [], source: "in")
        _ = try sink.waitDelivered(through: 1)

        // A consumer per topic, all assigned at once: each waits about half a second for its partition's first
        // fetch, and together they wait that only once.
        let topics = TopicNames(tenant: tenant)
        let tables = CassandraStage.tables(for: try Self.builtins())
        let consumers = try tables.map { t in
            let consumer = try KafkaConsumer(config: KafkaConfig(bootstrapServers: cluster.bootstrapServers), groupID: "check")
            try consumer.assign(topic: topics.results(query: t.query), offsets: [0: -2])  // from the beginning
            return consumer
        }
        var values = [[UInt8]?](repeating: nil, count: consumers.count)
        let deadline = Date().addingTimeInterval(10)
        while values.contains(where: { $0 == nil }) && Date() < deadline {
            for (i, consumer) in consumers.enumerated() where values[i] == nil {
                _ = try consumer.poll(timeoutMs: 10) { values[i] = Array($0.value) }
            }
        }
        for (t, value) in zip(tables, values) {
            let message = try JSONDecoder().decode([String: Value].self, from: Data(try #require(value, "\(t.name)")))
            #expect(Set(message.keys) == Set(t.columns.map(\.field)), "\(t.name): \(message.keys.sorted())")
            for c in t.columns {
                #expect(message[c.field]?.fits(c.type) == true, "\(t.name).\(c.column) \(c.type): \(String(describing: message[c.field]))")
            }
        }
    }
}
