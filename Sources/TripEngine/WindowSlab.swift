import TripCore

/// The windows of one SQL query with their accumulator words side by side: window `i` is (`start(i)`,
/// `group(i)`), its words `stride` Int64s at `words(i)`, in insertion order; an open-addressing index with
/// `WindowTable`'s multiplicative hash finds a key.
///
/// One storage object of raw buffers, copied on write. The per-row path makes it unique and roomy once per row
/// (`reserve`), then finds, opens and updates windows through pointers: no uniqueness or bounds check per window.
/// (A `WindowTable` of slab rows beside a slab array paid several per window update: docs/performance.md.)
struct WindowSlab: Sendable {
    final class Storage: @unchecked Sendable {
        let stride: Int
        fileprivate(set) var count = 0
        fileprivate var capacity: Int
        fileprivate(set) var starts: UnsafeMutablePointer<EventTime>
        fileprivate(set) var touched: UnsafeMutablePointer<Int64>
        fileprivate(set) var groups: UnsafeMutablePointer<Int32>
        fileprivate(set) var words: UnsafeMutablePointer<Int64>
        /// Slot → window index + 1 (0 = empty). Power-of-two count, at most half full.
        fileprivate var slots: UnsafeMutablePointer<Int32>
        fileprivate var slotCount: Int

        init(stride: Int, capacity: Int, slotCount: Int) {
            self.stride = stride
            self.capacity = capacity
            self.slotCount = slotCount
            starts = .allocate(capacity: capacity)
            touched = .allocate(capacity: capacity)
            groups = .allocate(capacity: capacity)
            words = .allocate(capacity: max(1, capacity * stride))
            slots = .allocate(capacity: slotCount)
            slots.initialize(repeating: 0, count: slotCount)
        }

        deinit {
            starts.deallocate()
            touched.deallocate()
            groups.deallocate()
            words.deallocate()
            slots.deallocate()
        }

        /// A copy with room for `capacity` windows and `slotCount` slots (the index rebuilt when that changes).
        func copy(capacity: Int, slotCount: Int) -> Storage {
            let c = Storage(stride: stride, capacity: capacity, slotCount: slotCount)
            c.count = count
            c.starts.update(from: starts, count: count)
            c.touched.update(from: touched, count: count)
            c.groups.update(from: groups, count: count)
            c.words.update(from: words, count: count * stride)
            if slotCount == self.slotCount {
                c.slots.update(from: slots, count: slotCount)
            } else {
                c.rebuildIndex()
            }
            return c
        }

        func rebuildIndex() {
            slots.update(repeating: 0, count: slotCount)
            let mask = slotCount - 1
            for e in 0..<count {
                var i = WindowTable<Int32>.hash(starts[e], groups[e]) & mask
                while slots[i] != 0 { i = (i + 1) & mask }
                slots[i] = Int32(e + 1)
            }
        }

        /// The window's index, nil when absent.
        @inline(__always)
        func find(_ start: EventTime, _ group: Int32) -> Int? {
            let mask = slotCount - 1
            var i = WindowTable<Int32>.hash(start, group) & mask
            while true {
                let slot = Int(slots[i])
                if slot == 0 { return nil }
                if starts[slot - 1] == start && groups[slot - 1] == group { return slot - 1 }
                i = (i + 1) & mask
            }
        }

        /// The words of window (`start`, `group`), opened with `initial` when absent; marks it touched in
        /// `epoch`. Needs room for one more window (`WindowSlab.reserve`) and a unique storage.
        @inline(__always)
        func window(_ start: EventTime, _ group: Int32, epoch: Int64,
                    initial: UnsafeBufferPointer<Int64>) -> UnsafeMutablePointer<Int64> {
            let mask = slotCount - 1
            var i = WindowTable<Int32>.hash(start, group) & mask
            while true {
                let slot = Int(slots[i])
                if slot == 0 { break }
                if starts[slot &- 1] == start && groups[slot &- 1] == group {
                    touched[slot &- 1] = epoch
                    return words + (slot &- 1) &* stride
                }
                i = (i &+ 1) & mask
            }
            // `grow` keeps the capacity within Int32 and its words addressable: no overflow checks here.
            let e = count
            starts[e] = start
            groups[e] = group
            touched[e] = epoch
            let w = words + e &* stride
            // One word (a hotspot's count) is the common case: the copy loop's setup cost more than the word.
            if stride == 1 {
                w.pointee = initial[0]
            } else {
                for j in 0..<stride { w[j] = initial[j] }
            }
            slots[i] = Int32(truncatingIfNeeded: e &+ 1)
            count = e &+ 1
            return w
        }
    }

    private(set) var storage: Storage

    init(stride: Int) {
        storage = Storage(stride: stride, capacity: 16, slotCount: 32)
    }

    var stride: Int { storage.stride }
    var count: Int { storage.count }
    var isEmpty: Bool { storage.count == 0 }
    func start(_ i: Int) -> EventTime { storage.starts[i] }
    func group(_ i: Int) -> Int32 { storage.groups[i] }
    /// Window `i`'s words.
    func words(_ i: Int) -> UnsafeBufferPointer<Int64> {
        UnsafeBufferPointer(start: storage.words + i * storage.stride, count: storage.stride)
    }
    func find(start: EventTime, group: Int32) -> Int? { storage.find(start, group) }

    /// The storage, unique and with room for `more` windows: what the per-row path writes through.
    @inline(__always)
    mutating func reserve(_ more: Int) -> Storage {
        // No local reference before the check: it would make the storage look shared.
        if _slowPath(!isKnownUniquelyReferenced(&storage)) { grow(storage.count + more) }
        let needed = storage.count + more
        if _slowPath(needed > storage.capacity || needed * 2 > storage.slotCount) { grow(needed) }
        return storage
    }

    /// A copy, with more room when `needed` asks for it.
    @inline(never)
    private mutating func grow(_ needed: Int) {
        var capacity = storage.capacity, slotCount = storage.slotCount
        while capacity < needed { capacity *= 2 }
        while slotCount < needed * 2 { slotCount *= 2 }
        precondition(slotCount <= Int(Int32.max), "too many windows for one query")
        storage = storage.copy(capacity: capacity, slotCount: slotCount)
    }

    /// Adds a window with its words; false when the key is there already (the words are then left alone).
    mutating func insert(start: EventTime, group: Int32, words: UnsafeBufferPointer<Int64>, epoch: Int64 = 0) -> Bool {
        precondition(words.count == stride, "a window takes \(stride) words")
        let s = reserve(1)
        guard s.find(start, group) == nil else { return false }
        _ = s.window(start, group, epoch: epoch, initial: words)
        return true
    }

    /// Removes the windows for which `shouldRemove(index)` is true, keeping the others' order. The index keeps
    /// its size: the next epoch opens about as many windows.
    mutating func removeAll(where shouldRemove: (Int) -> Bool) {
        let s = reserve(0)
        var kept = 0
        for i in 0..<s.count where !shouldRemove(i) {
            if kept != i {
                s.starts[kept] = s.starts[i]
                s.groups[kept] = s.groups[i]
                s.touched[kept] = s.touched[i]
                (s.words + kept * s.stride).update(from: s.words + i * s.stride, count: s.stride)
            }
            kept += 1
        }
        guard kept < s.count else { return }
        s.count = kept
        s.rebuildIndex()
    }

    /// Window indices in key order (start, then group): deterministic snapshots.
    func sortedIndices() -> [Int] {
        let s = storage
        return (0..<s.count).sorted { (s.starts[$0], s.groups[$0]) < (s.starts[$1], s.groups[$1]) }
    }
}

extension WindowSlab: Equatable {
    /// The same keys with the same words, whatever the order (touch epochs are transient, not state).
    static func == (a: Self, b: Self) -> Bool {
        guard a.stride == b.stride, a.count == b.count else { return false }
        for i in 0..<a.count {
            guard let j = b.find(start: a.start(i), group: a.group(i)), a.words(i).elementsEqual(b.words(j)) else {
                return false
            }
        }
        return true
    }
}

extension WindowSlab {
    /// Deterministic bytes: the count, then each window in key order with its words.
    func encode(into w: inout ByteWriter) {
        w.int64(Int64(count))
        for i in sortedIndices() {
            w.int64(start(i))
            w.int32(group(i))
            for v in words(i) { w.int64(v) }
        }
    }

    static func decode(from r: inout ByteReader, stride: Int) throws -> WindowSlab {
        var slab = WindowSlab(stride: stride)
        var words = [Int64](repeating: 0, count: stride)
        for _ in 0..<(try r.count()) {
            let start = try r.int64(), group = try r.int32()
            for j in 0..<stride { words[j] = try r.int64() }
            guard words.withUnsafeBufferPointer({ slab.insert(start: start, group: group, words: $0) }) else {
                throw SnapshotError("duplicate window in engine snapshot")
            }
        }
        return slab
    }
}
