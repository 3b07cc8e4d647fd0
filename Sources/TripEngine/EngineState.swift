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
    public var lateByQuery = PerQuery<Int64>(repeating: 0)
    public var emittedByQuery = PerQuery<Int64>(repeating: 0)
    public init() {}
}

/// The engine's whole state: open windows, day aggregates, watermarks, max event time, interned
/// locations and counters. Serializable to bytes and restorable exactly (`snapshot()`, `init(snapshot:)`).
public struct EngineState: Sendable, Equatable {
    /// Number of the epoch in progress (the first epoch is 1).
    public var epoch: Int64 = 1
    /// Largest event time seen; Int64.min before the first trip.
    public var maxEventTime: EventTime = .min
    /// Each query's watermark: Int64.min before the first epoch with rows, Int64.max after the end of input.
    public var watermarks = PerQuery<EventTime>(repeating: .min)
    /// Open windows. `days` is keyed by local day number (group 0); the hotspots by (window start, group).
    public var sumFare = WindowTable<MoneyAggregate>()
    public var days = WindowTable<MoneyAggregate>()
    public var community = WindowTable<Int64>()
    public var location = WindowTable<Int64>()
    /// Final windows kept for queries in complete mode (other modes evict them).
    public var retainedSumFare: [GroupedWindowKey: MoneyAggregate] = [:]
    public var retainedDays: [GroupedWindowKey: MoneyAggregate] = [:]
    public var retainedCommunity: [GroupedWindowKey: Int64] = [:]
    public var retainedLocation: [GroupedWindowKey: Int64] = [:]
    public var locations = StringInterner()
    public var counters = Counters()
    /// The SQL queries' states, in the engine's query order (empty without SQL queries).
    public var queries: [QueryState] = []
    /// Text values of the SQL queries' group columns and WHERE literals on them (`RowLayout.TextCoding.interned`).
    public var queryTexts = StringInterner()
    /// True once the end of a finite input was processed (every window final).
    public var finished = false

    public init() {}

    static let magic = Array("TSES".utf8)
    static let version: Int64 = 1
    /// Opens the SQL queries' section, written after the built-ins' only when there are SQL queries: a state
    /// without them has the bytes it had before they existed, and old checkpoints restore.
    static let queriesTag = Array("TSQQ".utf8)

    /// Deterministic bytes: tables and maps are written in key order, so equal states give equal bytes.
    public func snapshot() -> [UInt8] {
        var w = ByteWriter()
        for b in Self.magic { w.int32(Int32(b)) }
        w.int64(Self.version)
        w.int64(epoch)
        w.int64(maxEventTime)
        for q in QueryName.allCases { w.int64(watermarks[q]) }
        w.bool(finished)
        func table<V>(_ t: WindowTable<V>, _ value: (V, inout ByteWriter) -> Void) {
            w.int64(Int64(t.count))
            for i in t.sortedIndices() { w.int64(t.entries[i].start); w.int32(t.entries[i].group); value(t.entries[i].value, &w) }
        }
        func map<V>(_ m: [GroupedWindowKey: V], _ value: (V, inout ByteWriter) -> Void) {
            w.int64(Int64(m.count))
            for k in m.keys.sorted() { w.int64(k.start); w.int32(k.group); value(m[k]!, &w) }
        }
        let money: (MoneyAggregate, inout ByteWriter) -> Void = { $0.encode(into: &$1) }
        let count: (Int64, inout ByteWriter) -> Void = { $1.int64($0) }
        table(sumFare, money)
        table(days, money)
        table(community, count)
        table(location, count)
        map(retainedSumFare, money)
        map(retainedDays, money)
        map(retainedCommunity, count)
        map(retainedLocation, count)
        let strings = locations.strings
        w.int64(Int64(strings.count))
        for s in strings { w.string(s) }
        for v in [counters.rowsRead, counters.rowsProcessed, counters.rowsRejected, counters.rowsLate] { w.int64(v) }
        for q in QueryName.allCases {
            w.int64(counters.lateByQuery[q])
            w.int64(counters.emittedByQuery[q])
        }
        if !queries.isEmpty || queryTexts.count > 0 {
            for b in Self.queriesTag { w.int32(Int32(b)) }
            let texts = queryTexts.strings
            w.int64(Int64(texts.count))
            for s in texts { w.string(s) }
            w.int64(Int64(queries.count))
            for q in queries { q.encode(into: &w) }
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
        func table<V>(_ value: (inout ByteReader) throws -> V) throws -> WindowTable<V> {
            var t = WindowTable<V>()
            for _ in 0..<(try r.count()) {
                let start = try r.int64(), group = try r.int32()
                let v = try value(&r)
                let i = t.entry(start: start, group: group, initial: v, epoch: 0)
                guard i == t.count - 1 else { throw SnapshotError("duplicate window in snapshot") }
            }
            return t
        }
        func map<V>(_ value: (inout ByteReader) throws -> V) throws -> [GroupedWindowKey: V] {
            var m: [GroupedWindowKey: V] = [:]
            for _ in 0..<(try r.count()) {
                let k = GroupedWindowKey(start: try r.int64(), group: try r.int32())
                m[k] = try value(&r)
            }
            return m
        }
        let money: (inout ByteReader) throws -> MoneyAggregate = { try MoneyAggregate.decode(from: &$0) }
        let count: (inout ByteReader) throws -> Int64 = { try $0.int64() }
        sumFare = try table(money)
        days = try table(money)
        community = try table(count)
        location = try table(count)
        retainedSumFare = try map(money)
        retainedDays = try map(money)
        retainedCommunity = try map(count)
        retainedLocation = try map(count)
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
        if !r.atEnd {
            for b in Self.queriesTag where try r.int32() != Int32(b) {
                throw SnapshotError("trailing bytes in engine snapshot")
            }
            var texts: [String] = []
            for _ in 0..<(try r.count()) { texts.append(try r.string()) }
            queryTexts = StringInterner(strings: texts)
            guard queryTexts.count == texts.count else { throw SnapshotError("duplicate text in engine snapshot") }
            for _ in 0..<(try r.count()) { queries.append(try QueryState.decode(from: &r)) }
        }
        guard r.atEnd else { throw SnapshotError("trailing bytes in engine snapshot") }
    }
}
