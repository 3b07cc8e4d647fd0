import TripCore

/// Sums and non-null counts of the money columns, in integer cents: a window of `sum_fare_window` or
/// `trips_total` as a checkpoint of the hand-wired built-ins stored it (`LegacyBuiltinState`), read to be
/// converted into their SQL queries' accumulator words (`words(_:)`).
public struct MoneyAggregate: Sendable, Equatable {
    public var trips: Int64 = 0
    public var fareSum: Int64 = 0
    public var fareCount: Int64 = 0
    public var tipsSum: Int64 = 0
    public var tipsCount: Int64 = 0
    public var totalSum: Int64 = 0
    public var totalCount: Int64 = 0

    public init() {}

    @inlinable
    public mutating func add(_ trip: Trip) {
        trips += 1
        if let v = trip.fareCents { fareSum += v; fareCount += 1 }
        if let v = trip.tipsCents { tipsSum += v; tipsCount += 1 }
        if let v = trip.tripTotalCents { totalSum += v; totalCount += 1 }
    }

    static func decode(from r: inout ByteReader) throws -> MoneyAggregate {
        var a = MoneyAggregate()
        a.trips = try r.int64()
        a.fareSum = try r.int64()
        a.fareCount = try r.int64()
        a.tipsSum = try r.int64()
        a.tipsCount = try r.int64()
        a.totalSum = try r.int64()
        a.totalCount = try r.int64()
        return a
    }
}

/// A window of a grouped query: its start and the group (community area or interned location id).
public struct GroupedWindowKey: Sendable, Hashable, Comparable {
    public var start: EventTime
    public var group: Int32
    public init(start: EventTime, group: Int32) {
        self.start = start
        self.group = group
    }
    public static func < (a: Self, b: Self) -> Bool { (a.start, a.group) < (b.start, b.group) }
}
