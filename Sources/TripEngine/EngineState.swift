import TripCore

/// Running totals of what the pipeline saw; part of the state so a restored run reports the same figures.
/// Per query (late rows, rows emitted): each query's own state (`QueryState`).
public struct Counters: Sendable, Equatable {
    /// Records read from the source (good and bad).
    public var rowsRead: Int64 = 0
    /// Records decoded into rows and given to the queries.
    public var rowsProcessed: Int64 = 0
    /// Records rejected before any query (malformed, bad or missing event time).
    public var rowsRejected: Int64 = 0
    /// Rows late for at least one query.
    public var rowsLate: Int64 = 0
    public init() {}
}

/// The engine's whole state: each query's windows, watermark and counters (the four built-ins first, in
/// `QueryName` order, then the configured SQL queries), the texts the queries' rows are coded with, and the job's
/// counters. Serializable to bytes and restorable exactly (`snapshot()`, `init(snapshot:)`).
public struct EngineState: Sendable, Equatable {
    /// Number of the epoch in progress (the first epoch is 1).
    public var epoch: Int64 = 1
    public var counters = Counters()
    /// Every query's state, in the engine's order (empty until an `Engine` is made with this state).
    public var queries: [QueryState] = []
    /// Text values of the queries' group columns and WHERE literals on them (`RowLayout.TextCoding.interned`).
    public var queryTexts = StringInterner()
    /// True once the end of a finite input was processed (every window final).
    public var finished = false
    /// The built-ins' state from a checkpoint written while they ran hand-wired (snapshot format 1), until an
    /// `Engine` converts it into their queries' states (`BuiltinStateConversion`). `queries` then holds only the
    /// SQL queries that ran beside them.
    var legacyBuiltins: LegacyBuiltinState?

    public init() {}

    static let magic = Array("TSES".utf8)
    /// 2: every query as a `QueryState`. 1: the built-ins hand-wired, then the SQL queries (`LegacyBuiltinState`).
    static let version: Int64 = 2

    /// Deterministic bytes: each query writes its windows in key order, so equal states give equal bytes.
    public func snapshot() -> [UInt8] {
        precondition(legacyBuiltins == nil, "a state read from a format-1 checkpoint is converted by an Engine first")
        var w = ByteWriter()
        for b in Self.magic { w.int32(Int32(b)) }
        w.int64(Self.version)
        w.int64(epoch)
        w.bool(finished)
        for v in [counters.rowsRead, counters.rowsProcessed, counters.rowsRejected, counters.rowsLate] { w.int64(v) }
        let texts = queryTexts.strings
        w.int64(Int64(texts.count))
        for s in texts { w.string(s) }
        w.int64(Int64(queries.count))
        for q in queries { q.encode(into: &w) }
        return w.bytes
    }

    public init(snapshot bytes: [UInt8]) throws {
        self.init()
        var r = ByteReader(bytes)
        for b in Self.magic where try r.int32() != Int32(b) {
            throw SnapshotError("not a tripstream engine snapshot")
        }
        let version = try r.int64()
        switch version {
        case 1:
            try readFormat1(&r)
            return
        case Self.version:
            break
        default:
            throw SnapshotError("engine snapshot format \(version) is not supported (this build reads 1 and \(Self.version))")
        }
        epoch = try r.int64()
        finished = try r.bool()
        counters.rowsRead = try r.int64()
        counters.rowsProcessed = try r.int64()
        counters.rowsRejected = try r.int64()
        counters.rowsLate = try r.int64()
        try readQueries(&r)
        guard r.atEnd else { throw SnapshotError("trailing bytes in engine snapshot") }
    }

    /// The texts, then the queries' states.
    mutating func readQueries(_ r: inout ByteReader) throws {
        var texts: [String] = []
        for _ in 0..<(try r.count()) { texts.append(try r.string()) }
        queryTexts = StringInterner(strings: texts)
        guard queryTexts.count == texts.count else { throw SnapshotError("duplicate text in engine snapshot") }
        for _ in 0..<(try r.count()) { queries.append(try QueryState.decode(from: &r)) }
    }
}
