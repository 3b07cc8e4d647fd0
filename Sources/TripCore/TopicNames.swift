/// Kafka topic names of a tenant, as the original platform named them.
public struct TopicNames: Sendable, Equatable {
    public let tenant: String
    public init(tenant: String) { self.tenant = tenant }

    /// Trip rows in, one JSON object per message (the original `kafka_producer.py`'s topic).
    public var ingest: String { "\(tenant)_ingestData" }
    /// Rejected and late rows, with their source position and reason.
    public var deadLetters: String { "\(tenant)_deadLetters" }

    /// The result topic of a query (what the Kafka Connect Cassandra sink reads).
    public func results(_ query: QueryName) -> String {
        switch query {
        case .sumFareWindow: "\(tenant)_sumFareWindowStream"
        case .tripsTotal: "\(tenant)_tripsTotalStream"
        case .hotspotCommunityWindow: "\(tenant)_hotspotCommunityPickupWindowStream"
        case .hotspotWindow: "\(tenant)_hotspotWindowStream"
        }
    }

    /// The result topic of a SQL query (`queries.<name>` in the configuration): `<tenant>_<name>`.
    public func results(userQuery name: String) -> String { "\(tenant)_\(name)" }

    /// The result topic of the query named `name`: a built-in's original topic, else `<tenant>_<name>`.
    public func results(query name: String) -> String {
        QueryName(rawValue: name).map(results) ?? results(userQuery: name)
    }

    /// The result topics of the built-ins, then of the SQL queries `userQueries` (names).
    public func resultTopics(userQueries: [String] = []) -> [String] {
        QueryName.allCases.map(results) + userQueries.map { results(userQuery: $0) }
    }

    /// Every topic tripstream reads or writes for this tenant.
    public var all: [String] { all(userQueries: []) }

    /// The same with the result topics of the SQL queries `userQueries` (names).
    public func all(userQueries: [String]) -> [String] { [ingest, deadLetters] + resultTopics(userQueries: userQueries) }
}
