import TripCore

/// Running totals of what the pipeline saw; part of the state so a restored run reports the same figures.
public struct Counters: Sendable, Equatable {
    /// Records read from the source (good and bad).
    public var rowsRead: Int64 = 0
    /// Records decoded into trips and given to the queries.
    public var rowsProcessed: Int64 = 0
    /// Records rejected before any query (malformed, bad or missing event time).
    public var rowsRejected: Int64 = 0
    /// Trips late for at least one query.
    public var rowsLate: Int64 = 0
    /// Per query: trips it judged late, and result rows it emitted.
    public var lateByQuery: [QueryName: Int64] = Dictionary(uniqueKeysWithValues: QueryName.allCases.map { ($0, 0) })
    public var emittedByQuery: [QueryName: Int64] = Dictionary(uniqueKeysWithValues: QueryName.allCases.map { ($0, 0) })
    public init() {}
}

/// The engine's whole state: open windows, day aggregates, watermarks, max event time, interned
/// locations and counters. Serializable to bytes and restorable exactly (`snapshot()`, `init(snapshot:)`).
public struct EngineState: Sendable, Equatable {
    /// Number of the epoch in progress (the first epoch is 1).
    public var epoch: Int64 = 1
    /// Largest event time seen; Int64.min before the first trip.
    public var maxEventTime: EventTime = .min
    public var watermarks: [QueryName: EventTime] = Dictionary(uniqueKeysWithValues: QueryName.allCases.map { ($0, .min) })
    public var sumFare: [EventTime: Slot<MoneyAggregate>] = [:]
    public var days: [Int64: Slot<MoneyAggregate>] = [:]
    public var community: [GroupedWindowKey: Slot<Int64>] = [:]
    public var location: [GroupedWindowKey: Slot<Int64>] = [:]
    /// Final windows kept for queries in complete mode (other modes evict them).
    public var retainedSumFare: [EventTime: MoneyAggregate] = [:]
    public var retainedDays: [Int64: MoneyAggregate] = [:]
    public var retainedCommunity: [GroupedWindowKey: Int64] = [:]
    public var retainedLocation: [GroupedWindowKey: Int64] = [:]
    public var locations = StringInterner()
    public var counters = Counters()
    /// True once the end of a finite input was processed (every window final).
    public var finished = false

    public init() {}

    static let magic: [UInt8] = Array("TSES".utf8)
    static let version: Int64 = 1

    /// Deterministic bytes: maps are written in key order, so equal states give equal bytes.
    public func snapshot() -> [UInt8] {
        var w = ByteWriter()
        for b in Self.magic { w.int32(Int32(b)) }
        w.int64(Self.version)
        w.int64(epoch)
        w.int64(maxEventTime)
        for q in QueryName.allCases { w.int64(watermarks[q] ?? .min) }
        w.bool(finished)
        func money<K: Comparable>(_ m: [K: MoneyAggregate], key: (K) -> Int64) {
            w.int64(Int64(m.count))
            for k in m.keys.sorted() { w.int64(key(k)); m[k]!.encode(into: &w) }
        }
        func counts(_ m: [GroupedWindowKey: Int64]) {
            w.int64(Int64(m.count))
            for k in m.keys.sorted() { w.int64(k.start); w.int32(k.group); w.int64(m[k]!) }
        }
        money(sumFare.mapValues(\.value), key: { $0 })
        money(days.mapValues(\.value), key: { $0 })
        counts(community.mapValues(\.value))
        counts(location.mapValues(\.value))
        money(retainedSumFare, key: { $0 })
        money(retainedDays, key: { $0 })
        counts(retainedCommunity)
        counts(retainedLocation)
        let strings = locations.strings
        w.int64(Int64(strings.count))
        for s in strings { w.string(s) }
        w.int64(counters.rowsRead)
        w.int64(counters.rowsProcessed)
        w.int64(counters.rowsRejected)
        w.int64(counters.rowsLate)
        for q in QueryName.allCases {
            w.int64(counters.lateByQuery[q] ?? 0)
            w.int64(counters.emittedByQuery[q] ?? 0)
        }
        return w.bytes
    }

    public init(snapshot bytes: [UInt8]) throws {
        var r = ByteReader(bytes)
        for b in Self.magic where try r.int32() != Int32(b) {
            throw SnapshotError("not a tripstream engine snapshot")
        }
        let version = try r.int64()
        guard version == Self.version else {
            throw SnapshotError("engine snapshot format \(version) is not supported (this build reads \(Self.version))")
        }
        epoch = try r.int64()
        maxEventTime = try r.int64()
        for q in QueryName.allCases { watermarks[q] = try r.int64() }
        finished = try r.bool()
        func money(_ r: inout ByteReader) throws -> [Int64: MoneyAggregate] {
            var m: [Int64: MoneyAggregate] = [:]
            for _ in 0..<(try r.count()) { let k = try r.int64(); m[k] = try MoneyAggregate.decode(from: &r) }
            return m
        }
        func counts(_ r: inout ByteReader) throws -> [GroupedWindowKey: Int64] {
            var m: [GroupedWindowKey: Int64] = [:]
            for _ in 0..<(try r.count()) {
                let k = GroupedWindowKey(start: try r.int64(), group: try r.int32())
                m[k] = try r.int64()
            }
            return m
        }
        sumFare = try money(&r).mapValues { Slot(value: $0, touched: 0) }
        days = try money(&r).mapValues { Slot(value: $0, touched: 0) }
        community = try counts(&r).mapValues { Slot(value: $0, touched: 0) }
        location = try counts(&r).mapValues { Slot(value: $0, touched: 0) }
        retainedSumFare = try money(&r)
        retainedDays = try money(&r)
        retainedCommunity = try counts(&r)
        retainedLocation = try counts(&r)
        var strings: [String] = []
        for _ in 0..<(try r.count()) { strings.append(try r.string()) }
        locations = StringInterner(strings: strings)
        counters.rowsRead = try r.int64()
        counters.rowsProcessed = try r.int64()
        counters.rowsRejected = try r.int64()
        counters.rowsLate = try r.int64()
        for q in QueryName.allCases {
            counters.lateByQuery[q] = try r.int64()
            counters.emittedByQuery[q] = try r.int64()
        }
        guard r.atEnd else { throw SnapshotError("trailing bytes in engine snapshot") }
    }
}
