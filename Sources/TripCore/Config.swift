/// The four analytics, named as in the original Spark application.
public enum QueryName: String, Sendable, CaseIterable, Hashable, Codable {
    case sumFareWindow = "sum_fare_window"
    case tripsTotal = "trips_total"
    case hotspotCommunityWindow = "hotspot_community_window"
    case hotspotWindow = "hotspot_window"
}

/// Spark's output modes. They decide which result rows an epoch emits; the SQLite mirror is upserted by
/// key in every mode, so after a finite replay every mode leaves the same mirror.
public enum OutputMode: String, Sendable, CaseIterable, Codable {
    /// Only windows that became final (the watermark passed their end), once each.
    case append
    /// Windows changed in this epoch (final = 0) and windows that became final (final = 1).
    case update
    /// The whole result table every epoch (final windows are retained instead of evicted).
    case complete
}

/// Which timestamp is a trip's event time.
public enum TimeColumn: String, Sendable, CaseIterable, Codable {
    case tripStart = "trip_start"
    case tripEnd = "trip_end"
    /// An `event_timestamp` field (as the original producer added).
    case eventTimestamp = "event_timestamp"
    /// Wall-clock time when the row is read. Not reproducible: results depend on when the replay ran.
    case ingest
    /// The Kafka message's timestamp (`tripstream run` only; `produce` sets it to the row's event time).
    case kafkaTimestamp = "kafka_timestamp"
}

/// Window, slide, watermark delay and output mode of one query (durations in milliseconds).
public struct QuerySettings: Sendable, Equatable {
    public var window: WindowSpec
    public var watermarkDelay: EventTime
    public var mode: OutputMode
    /// False: the built-in does not run (no state, rows, topic messages or dead letters; its mirror table stays
    /// empty).
    public var enabled = true

    public init(window: WindowSpec, watermarkDelay: EventTime, mode: OutputMode) {
        self.window = window
        self.watermarkDelay = watermarkDelay
        self.mode = mode
    }
}

/// Everything that defines what tripstream computes. Loaded from a profile, a JSON file and CLI flags.
public struct TripstreamConfig: Sendable, Equatable {
    public var tenant: String
    public var timeColumn: TimeColumn
    public var timeZone: ZoneRules
    /// Records per epoch: the deterministic cut points of the input.
    public var epochRows: Int
    /// Window, watermark and mode of each query. The window of `trips_total` is always the local calendar
    /// day; only its delay and mode apply.
    public var queries: PerQuery<QuerySettings>
    /// A built-in's SQL as a configuration file stated it (`tripstream config` prints it): TripSQL checks that
    /// it is the SQL the settings above give, and the CLI's resolve step then clears it. Nil when not stated.
    public var builtinSQL = PerQuery<String?>(repeating: nil)
    /// Queries defined by SQL, sorted by name.
    public var userQueries: [UserQuery] = []

    public static let defaultTenant = "tenantstreamapp"
    public static let dayWindow = WindowSpec.tumbling(86_400_000)

    public init(tenant: String, timeColumn: TimeColumn, timeZone: ZoneRules, epochRows: Int,
                sumFareWindow: QuerySettings, tripsTotal: QuerySettings,
                hotspotCommunityWindow: QuerySettings, hotspotWindow: QuerySettings) {
        self.tenant = tenant
        self.timeColumn = timeColumn
        self.timeZone = timeZone
        self.epochRows = epochRows
        queries = PerQuery(repeating: sumFareWindow)
        queries.tripsTotal = tripsTotal
        queries.hotspotCommunityWindow = hotspotCommunityWindow
        queries.hotspotWindow = hotspotWindow
    }

    public subscript(query: QueryName) -> QuerySettings {
        get { queries[query] }
        set { queries[query] = newValue }
    }

    public var sumFareWindow: QuerySettings {
        get { queries.sumFareWindow }
        set { queries.sumFareWindow = newValue }
    }
    public var tripsTotal: QuerySettings {
        get { queries.tripsTotal }
        set { queries.tripsTotal = newValue }
    }
    public var hotspotCommunityWindow: QuerySettings {
        get { queries.hotspotCommunityWindow }
        set { queries.hotspotCommunityWindow = newValue }
    }
    public var hotspotWindow: QuerySettings {
        get { queries.hotspotWindow }
        set { queries.hotspotWindow = newValue }
    }

    /// Built-in profiles by name.
    public static func profile(_ name: String) -> TripstreamConfig? {
        switch name {
        case "chicago": return chicago
        case "seed": return seed
        default: return nil
        }
    }

    public static let profileNames = ["chicago", "seed"]

    /// Default: sensible for the real data, whose timestamps are rounded to 15 minutes.
    /// 1 h tumbling fares; per-day totals; 1 h hotspot windows sliding every 15 min; 15 min watermark.
    public static let chicago: TripstreamConfig = {
        let delay: EventTime = 15 * 60_000
        return TripstreamConfig(
            tenant: defaultTenant, timeColumn: .tripStart, timeZone: chicagoZone, epochRows: 10_000,
            sumFareWindow: QuerySettings(window: .tumbling(3_600_000), watermarkDelay: delay, mode: .update),
            tripsTotal: QuerySettings(window: dayWindow, watermarkDelay: delay, mode: .update),
            hotspotCommunityWindow: QuerySettings(window: WindowSpec(length: 3_600_000, slide: 900_000),
                                                  watermarkDelay: delay, mode: .append),
            hotspotWindow: QuerySettings(window: WindowSpec(length: 3_600_000, slide: 900_000),
                                         watermarkDelay: delay, mode: .append))
    }()

    /// The original Spark job: 5 s tumbling (update), per-day totals (complete),
    /// 1 min windows sliding 30 s (append), 10 s watermark.
    public static let seed: TripstreamConfig = {
        let delay: EventTime = 10_000
        return TripstreamConfig(
            tenant: defaultTenant, timeColumn: .tripStart, timeZone: chicagoZone, epochRows: 10_000,
            sumFareWindow: QuerySettings(window: .tumbling(5_000), watermarkDelay: delay, mode: .update),
            tripsTotal: QuerySettings(window: dayWindow, watermarkDelay: delay, mode: .complete),
            hotspotCommunityWindow: QuerySettings(window: WindowSpec(length: 60_000, slide: 30_000),
                                                  watermarkDelay: delay, mode: .append),
            hotspotWindow: QuerySettings(window: WindowSpec(length: 60_000, slide: 30_000),
                                         watermarkDelay: delay, mode: .append))
    }()

    static let chicagoZone: ZoneRules = ZoneRules(identifier: "America/Chicago") ?? .utc
}
