import TripCore

/// One SQL query's part of the engine state: its watermark and the largest time seen in its time column, the
/// group keys, the open windows (and, in complete mode, the final ones it keeps), and its counters.
///
/// A window's accumulators are `stride` words of one slab, the window table's value being the slab row: a new
/// window takes a freed row or the next unused one (the slab grows by doubling), so the per-row loop allocates
/// nothing and the slab is at most twice the peak of live windows. Row numbers are bookkeeping, not state:
/// equality and snapshots go by window key and words.
public struct QueryState: Sendable {
    public let name: String
    let stride: Int
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
    var windows = WindowTable<Int32>()
    var retained: [GroupedWindowKey: Int32] = [:]
    var slab: [Int64] = []
    /// Slab rows handed out (the slab may be longer); freed ones are reused first.
    var usedRows: Int32 = 0
    var freeRows: [Int32] = []
    /// Derived, not state (outside equality and snapshots): group id → place in output order, and the text
    /// count it was computed with (`refreshGroupOrder`).
    var groupOrder: [Int32] = []
    var groupOrderTexts = -1

    init(name: String, stride: Int, arity: Int) {
        self.name = name
        self.stride = stride
        groups = GroupKeys(arity: arity)
    }

    init(_ program: QueryProgram) {
        self.init(name: program.name, stride: program.stride, arity: program.groupColumns.count)
    }

    func matches(_ program: QueryProgram) -> Bool {
        name == program.name && stride == program.stride && groups.arity == program.groupColumns.count
    }

    /// The words of a slab row.
    func words(_ row: Int32) -> ArraySlice<Int64> { slab[Int(row) * stride..<(Int(row) + 1) * stride] }

    /// Adds the row (its presence bits and values) to window (`start`, its group), creating the window when new.
    @inline(__always)
    mutating func add(_ present: UInt64, _ values: UnsafeBufferPointer<Int64>, start: EventTime, group: Int32,
                      epoch: Int64, _ k: QueryKernel) {
        let next = freeRows.last ?? usedRows
        let before = windows.count
        let i = windows.entry(start: start, group: group, initial: next, epoch: epoch)
        let isNew = windows.count != before
        if isNew && freeRows.popLast() == nil {
            usedRows += 1
            if Int(usedRows) * stride > slab.count { growSlab() }
        }
        let base = Int(windows.entries[i].value) * stride
        slab.withUnsafeMutableBufferPointer { words in
            if isNew { for j in 0..<stride { words[base + j] = k.initialWords[j] } }
            k.accumulate(present, values, into: words, at: base)
        }
    }

    /// Doubles the slab (at least 64 rows): rows are handed out one by one without an append each.
    @inline(never)
    mutating func growSlab() {
        slab.append(contentsOf: repeatElement(0, count: max(slab.count, stride * 64)))
    }

    /// HOP/TUMBLE: adds the row to each window holding `t` that the watermark has not passed, latest first,
    /// as `Engine.addToOpenWindows` does for the built-ins. False when none was open: the row is late.
    @inline(__always)
    mutating func addToOpenWindows(_ present: UInt64, _ values: UnsafeBufferPointer<Int64>, _ t: EventTime,
                                   epoch: Int64, _ k: QueryKernel) -> Bool {
        let window = k.window
        var group: Int32 = -1
        var start = window.lastStart(containing: t)
        while start + window.length > t && start + window.length > watermark {
            if group < 0 { group = groups.id(present, values, columns: k.groupColumns) }
            add(present, values, start: start, group: group, epoch: epoch, k)
            start -= window.slide
        }
        return group >= 0
    }

    /// A day-aligned query: adds the row to local day `day` unless the watermark has passed its end (`dayEnd`).
    @inline(__always)
    mutating func addToDay(_ present: UInt64, _ values: UnsafeBufferPointer<Int64>, day: Int64, dayEnd: EventTime,
                           epoch: Int64, _ k: QueryKernel) -> Bool {
        guard dayEnd > watermark else { return false }
        add(present, values, start: day, group: groups.id(present, values, columns: k.groupColumns), epoch: epoch, k)
        return true
    }
}

extension QueryState: Equatable {
    /// Same settings, counters and group ids, and the same windows with the same words (slab rows aside).
    public static func == (a: Self, b: Self) -> Bool {
        guard a.name == b.name, a.stride == b.stride, a.watermark == b.watermark, a.maxTime == b.maxTime,
              a.lateRows == b.lateRows, a.emittedRows == b.emittedRows, a.groups == b.groups,
              a.windows.count == b.windows.count, a.retained.count == b.retained.count
        else { return false }
        for i in 0..<a.windows.count {
            guard let j = b.windows.find(start: a.windows.entries[i].start, group: a.windows.entries[i].group),
                  a.words(a.windows.entries[i].value) == b.words(b.windows.entries[j].value) else { return false }
        }
        for (key, row) in a.retained {
            guard let other = b.retained[key], a.words(row) == b.words(other) else { return false }
        }
        return true
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
        w.int64(Int64(windows.count))
        for i in windows.sortedIndices() {
            w.int64(windows.entries[i].start)
            w.int32(windows.entries[i].group)
            for v in words(windows.entries[i].value) { w.int64(v) }
        }
        w.int64(Int64(retained.count))
        for key in retained.keys.sorted() {
            w.int64(key.start)
            w.int32(key.group)
            for v in words(retained[key]!) { w.int64(v) }
        }
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
        var words: [Int64] = []
        for _ in 0..<(try r.count()) { words.append(try r.int64()) }
        q.groups = try GroupKeys(arity: Int(arity), words: words)
        func windowWords() throws -> Int32 {
            let row = q.usedRows
            for _ in 0..<q.stride { q.slab.append(try r.int64()) }
            q.usedRows += 1
            return row
        }
        for _ in 0..<(try r.count()) {
            let start = try r.int64(), group = try r.int32()
            let row = try windowWords()
            let before = q.windows.count
            _ = q.windows.entry(start: start, group: group, initial: row, epoch: 0)
            guard q.windows.count > before else { throw SnapshotError("duplicate window in engine snapshot") }
        }
        for _ in 0..<(try r.count()) {
            let key = GroupedWindowKey(start: try r.int64(), group: try r.int32())
            guard q.retained[key] == nil else { throw SnapshotError("duplicate window in engine snapshot") }
            q.retained[key] = try windowWords()
        }
        return q
    }
}
