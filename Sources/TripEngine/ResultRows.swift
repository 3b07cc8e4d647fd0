import TripCore

/// `sum_fare_window`: one tumbling window's money totals. Times in ms.
public struct SumFareRow: Sendable, Equatable {
    public var windowStart: EventTime
    public var windowEnd: EventTime
    public var totals: MoneyAggregate
    public var final: Bool
}

/// `trips_total`: one local calendar day (day number since 1970-01-01).
public struct TripsTotalRow: Sendable, Equatable {
    public var day: Int64
    public var totals: MoneyAggregate
    public var final: Bool
    public var isoDay: String { CivilDate.isoDay(Int(day)) }
}

/// `hotspot_community_window`: trips per pickup community area in one sliding window.
public struct CommunityHotspotRow: Sendable, Equatable {
    public var windowStart: EventTime
    public var windowEnd: EventTime
    public var communityArea: Int32
    public var count: Int64
    public var final: Bool
}

/// `hotspot_window`: trips per pickup centroid location in one sliding window.
public struct LocationHotspotRow: Sendable, Equatable {
    public var windowStart: EventTime
    public var windowEnd: EventTime
    public var location: String
    public var count: Int64
    public var final: Bool
    /// The location's id in the emitting engine's interner (-1 if unknown): lets a sink cache per location
    /// without hashing its text. Not part of the row's value: two engines may number locations differently.
    public var locationID: LocationID = -1

    public static func == (a: Self, b: Self) -> Bool {
        a.windowStart == b.windowStart && a.windowEnd == b.windowEnd && a.location == b.location && a.count == b.count
            && a.final == b.final
    }
}

/// What one epoch changed, per query and output mode, sorted by key: what sinks apply.
public struct EpochOutput: Sendable, Equatable {
    public var epoch: Int64
    public var sumFare: [SumFareRow] = []
    public var tripsTotal: [TripsTotalRow] = []
    public var communityHotspots: [CommunityHotspotRow] = []
    public var locationHotspots: [LocationHotspotRow] = []
    /// Each query's watermark after the epoch (ms; Int64.min before any row, Int64.max at end of input).
    public var watermarks = PerQuery<EventTime>(repeating: .min)
    /// Each SQL query's rows and watermark, in the order the engine was given the queries (empty without).
    public var queries: [QueryResults] = []

    public init(epoch: Int64) { self.epoch = epoch }

    public var rowCount: Int {
        sumFare.count + tripsTotal.count + communityHotspots.count + locationHotspots.count
            + queries.reduce(0) { $0 + $1.rows.count }
    }
}

/// Which queries judged a row late: a bit per built-in, in `QueryName.allCases` order, and a bit per SQL query
/// (bit i: the engine's i-th query; hence at most `Engine.maxQueries` of them).
public struct LateMask: Sendable, Equatable {
    public var bits: UInt8 = 0
    public var queryBits: UInt64 = 0
    public init() {}
    public var isEmpty: Bool { bits == 0 && queryBits == 0 }
    public mutating func insert(_ q: QueryName) { bits |= Self.bit(q) }
    public func contains(_ q: QueryName) -> Bool { bits & Self.bit(q) != 0 }
    /// The SQL query at `index` in the engine's queries.
    public mutating func insertQuery(_ index: Int) { queryBits |= 1 << UInt64(index) }
    public func containsQuery(_ index: Int) -> Bool { queryBits & (1 << UInt64(index)) != 0 }
    static func bit(_ q: QueryName) -> UInt8 {
        switch q {
        case .sumFareWindow: 1
        case .tripsTotal: 2
        case .hotspotCommunityWindow: 4
        case .hotspotWindow: 8
        }
    }
}
