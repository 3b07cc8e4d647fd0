import TripCore

/// One SQL query's part of the engine state: its watermark and the largest time seen in its time column, the
/// group keys, the open windows with their accumulator words (and, in complete mode, the final ones it keeps),
/// and its counters.
public struct QueryState: Sendable {
    public let name: String
    /// Int64.min before the first epoch with a time, Int64.max after the end of input.
    public internal(set) var watermark: EventTime = .min
    /// Largest value of the query's time column seen (rows WHERE rejects too, as the built-ins' watermarks
    /// advance on every trip); Int64.min before any.
    public internal(set) var maxTime: EventTime = .min
    /// Rows it judged late, and result rows it emitted.
    public internal(set) var lateRows: Int64 = 0
    public internal(set) var emittedRows: Int64 = 0
    var groups: GroupKeys
    /// Keyed by (window start, group id); a day-aligned query's start is the local day number.
    var windows: WindowSlab
    var retained: WindowSlab
    /// Derived, not state (outside equality and snapshots): group id → place in output order, and the text
    /// count it was computed with (`refreshGroupOrder`).
    var groupOrder: [Int32] = []
    var groupOrderTexts = -1

    init(name: String, stride: Int, arity: Int) {
        self.name = name
        groups = GroupKeys(arity: arity)
        windows = WindowSlab(stride: stride)
        retained = WindowSlab(stride: stride)
    }

    init(_ program: QueryProgram) {
        self.init(name: program.name, stride: program.stride, arity: program.groupColumns.count)
    }

    /// Accumulator words per window.
    var stride: Int { windows.stride }

    func matches(_ program: QueryProgram) -> Bool {
        name == program.name && stride == program.stride && groups.arity == program.groupColumns.count
    }

    /// HOP/TUMBLE: adds the row to each window holding `t` that the watermark has not passed, latest first,
    /// as `Engine.addToOpenWindows` does for the built-ins. False when none was open: the row is late.
    @inline(__always)
    mutating func addToOpenWindows(_ present: UInt64, _ values: UnsafeBufferPointer<Int64>, _ t: EventTime,
                                   epoch: Int64, _ k: UnsafePointer<QueryKernel>) -> Bool {
        let window = k.pointee.window
        var start = window.lastStart(containing: t)
        // A window is open for the row when its end passes both `t` and the watermark: its start passes this.
        // (No overflow: a watermark of Int64.max less a length, or a start a slide below a time's floor.)
        let lowest = max(t, watermark) &- window.length
        guard start > lowest else { return false }
        let group = groups.id(present, values, columns: k.pointee.groupColumns)
        let slab = windows.reserve(k.pointee.windowsPerRow)
        let initial = k.pointee.initialWords
        repeat {
            k.pointee.accumulate(present, values, into: slab.window(start, group, epoch: epoch, initial: initial))
            start &-= window.slide
        } while start > lowest
        return true
    }

    /// A day-aligned query: adds the row to local day `day` unless the watermark has passed its end (`dayEnd`).
    @inline(__always)
    mutating func addToDay(_ present: UInt64, _ values: UnsafeBufferPointer<Int64>, day: Int64, dayEnd: EventTime,
                           epoch: Int64, _ k: UnsafePointer<QueryKernel>) -> Bool {
        guard dayEnd > watermark else { return false }
        let group = groups.id(present, values, columns: k.pointee.groupColumns)
        let slab = windows.reserve(1)
        let words = slab.window(day, group, epoch: epoch, initial: k.pointee.initialWords)
        k.pointee.accumulate(present, values, into: words)
        return true
    }
}

extension QueryState: Equatable {
    /// Same settings, counters and group ids, and the same windows with the same words.
    public static func == (a: Self, b: Self) -> Bool {
        a.name == b.name && a.stride == b.stride && a.watermark == b.watermark && a.maxTime == b.maxTime
            && a.lateRows == b.lateRows && a.emittedRows == b.emittedRows && a.groups == b.groups
            && a.windows == b.windows && a.retained == b.retained
    }
}

extension QueryState {
    /// Deterministic bytes: windows in key order with their words, never slab row numbers.
    func encode(into w: inout ByteWriter) {
        w.string(name)
        w.int64(Int64(stride))
        w.int64(Int64(groups.arity))
        for v in [watermark, maxTime, lateRows, emittedRows] { w.int64(v) }
        w.int64(Int64(groups.words.count))
        for v in groups.words { w.int64(v) }
        windows.encode(into: &w)
        retained.encode(into: &w)
    }

    static func decode(from r: inout ByteReader) throws -> QueryState {
        let name = try r.string()
        let stride = try r.int64(), arity = try r.int64()
        guard (0...1024).contains(stride), (0...63).contains(arity) else {
            throw SnapshotError("bad SQL query shape in engine snapshot")
        }
        var q = QueryState(name: name, stride: Int(stride), arity: Int(arity))
        q.watermark = try r.int64()
        q.maxTime = try r.int64()
        q.lateRows = try r.int64()
        q.emittedRows = try r.int64()
        var tuples: [Int64] = []
        for _ in 0..<(try r.count()) { tuples.append(try r.int64()) }
        q.groups = try GroupKeys(arity: Int(arity), words: tuples)
        q.windows = try WindowSlab.decode(from: &r, stride: q.stride)
        q.retained = try WindowSlab.decode(from: &r, stride: q.stride)
        return q
    }
}
