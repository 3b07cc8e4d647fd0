import TripCore

/// Sums and non-null counts of the money columns, in integer cents (exact; SQL NULL semantics:
/// a sum over no non-null value is NULL, an average divides by the non-null count).
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

    public var fare: Int64? { fareCount > 0 ? fareSum : nil }
    public var tips: Int64? { tipsCount > 0 ? tipsSum : nil }
    public var tripTotal: Int64? { totalCount > 0 ? totalSum : nil }
    /// Average in cents, rounded half away from zero; nil when no value.
    public var tipsAverage: Int64? { Self.average(tipsSum, tipsCount) }
    public var tripTotalAverage: Int64? { Self.average(totalSum, totalCount) }

    static func average(_ sum: Int64, _ count: Int64) -> Int64? {
        count > 0 ? Int64((Double(sum) / Double(count)).rounded()) : nil
    }

    func encode(into w: inout ByteWriter) {
        for v in [trips, fareSum, fareCount, tipsSum, tipsCount, totalSum, totalCount] { w.int64(v) }
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
