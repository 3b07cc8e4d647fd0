import TripCore

/// The four built-ins' state as a build that ran them hand-wired checkpointed it (engine snapshot format 1): their
/// window tables, kept final windows, watermarks and counters. Read only to be converted into the built-in
/// queries' states (`BuiltinStateConversion`), so that such a checkpoint resumes instead of being refused.
struct LegacyBuiltinState: Sendable, Equatable {
    var maxEventTime: EventTime = .min
    var watermarks = PerQuery<EventTime>(repeating: .min)
    /// Open windows: `days` keyed by local day number (group 0); the hotspots by (window start, group).
    var sumFare = WindowTable<MoneyAggregate>()
    var days = WindowTable<MoneyAggregate>()
    var community = WindowTable<Int64>()
    var location = WindowTable<Int64>()
    var retainedSumFare: [GroupedWindowKey: MoneyAggregate] = [:]
    var retainedDays: [GroupedWindowKey: MoneyAggregate] = [:]
    var retainedCommunity: [GroupedWindowKey: Int64] = [:]
    var retainedLocation: [GroupedWindowKey: Int64] = [:]
    /// `location`'s groups are ids into these texts.
    var locations = StringInterner()
    var lateByQuery = PerQuery<Int64>(repeating: 0)
    var emittedByQuery = PerQuery<Int64>(repeating: 0)
}

extension EngineState {
    /// Opens the SQL queries' section of format 1, written after the built-ins' only when there were SQL queries.
    static let format1QueriesTag = Array("TSQQ".utf8)

    /// Reads a format-1 snapshot after its version: the built-ins into `legacyBuiltins`, the SQL queries that ran
    /// beside them into `queries`.
    mutating func readFormat1(_ r: inout ByteReader) throws {
        var legacy = LegacyBuiltinState()
        epoch = try r.int64()
        legacy.maxEventTime = try r.int64()
        for q in QueryName.allCases { legacy.watermarks[q] = try r.int64() }
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
        legacy.sumFare = try table(money)
        legacy.days = try table(money)
        legacy.community = try table(count)
        legacy.location = try table(count)
        legacy.retainedSumFare = try map(money)
        legacy.retainedDays = try map(money)
        legacy.retainedCommunity = try map(count)
        legacy.retainedLocation = try map(count)
        var strings: [String] = []
        for _ in 0..<(try r.count()) { strings.append(try r.string()) }
        legacy.locations = StringInterner(strings: strings)
        counters.rowsRead = try r.int64()
        counters.rowsProcessed = try r.int64()
        counters.rowsRejected = try r.int64()
        counters.rowsLate = try r.int64()
        for q in QueryName.allCases {
            legacy.lateByQuery[q] = try r.int64()
            legacy.emittedByQuery[q] = try r.int64()
        }
        if !r.atEnd {
            for b in Self.format1QueriesTag where try r.int32() != Int32(b) {
                throw SnapshotError("trailing bytes in engine snapshot")
            }
            try readQueries(&r)
        }
        guard r.atEnd else { throw SnapshotError("trailing bytes in engine snapshot") }
        legacyBuiltins = legacy
    }
}
