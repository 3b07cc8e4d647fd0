import TripCore

/// Open windows of one query: (window start, group) → value, plus the epoch that last changed each.
/// Entries live in one dense array (iteration is a linear scan in insertion order; a new window is one append,
/// and a probe reads its key from one place); an open-addressing index with a multiplicative hash finds them (no
/// `Hasher` on the hot path). Final windows are removed in bulk at epoch end (`removeAll(where:)`), which
/// compacts the array and rebuilds the index.
public struct WindowTable<Value: Equatable & Sendable>: Sendable {
    public struct Entry: Sendable {
        public let start: EventTime
        public let group: Int32
        public var value: Value
        public var touched: Int64
    }

    public internal(set) var entries: [Entry] = []
    /// Slot → entry index + 1 (0 = empty). Power-of-two size, at most half full.
    var slots: [Int32] = Array(repeating: 0, count: 16)

    public init() {}

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    @inline(__always)
    static func hash(_ start: EventTime, _ group: Int32) -> Int {
        var h = UInt64(bitPattern: start) &* 0x9E37_79B9_7F4A_7C15
        h ^= UInt64(UInt32(bitPattern: group)) &* 0xC2B2_AE3D_27D4_EB4F
        h ^= h >> 29
        return Int(truncatingIfNeeded: h)
    }

    /// Entry index of the key, if present.
    public func find(start: EventTime, group: Int32 = 0) -> Int? {
        let mask = slots.count - 1
        var i = Self.hash(start, group) & mask
        while true {
            let slot = Int(slots[i])
            if slot == 0 { return nil }
            if entries[slot - 1].start == start && entries[slot - 1].group == group { return slot - 1 }
            i = (i + 1) & mask
        }
    }

    /// Entry index of the key, inserting `initial` when absent; marks it touched in `epoch`.
    @inline(__always)
    public mutating func entry(start: EventTime, group: Int32 = 0, initial: @autoclosure () -> Value, epoch: Int64) -> Int {
        let mask = slots.count - 1
        var i = Self.hash(start, group) & mask
        while true {
            let slot = Int(slots[i])
            if slot == 0 { break }
            if entries[slot - 1].start == start && entries[slot - 1].group == group {
                entries[slot - 1].touched = epoch
                return slot - 1
            }
            i = (i + 1) & mask
        }
        let index = entries.count
        entries.append(Entry(start: start, group: group, value: initial(), touched: epoch))
        slots[i] = Int32(index + 1)
        if entries.count * 2 > slots.count { rebuildIndex(capacity: slots.count * 2) }
        return index
    }

    /// Removes the entries for which `shouldRemove(index)` is true, keeping the others' order.
    public mutating func removeAll(where shouldRemove: (Int) -> Bool) {
        var kept = 0
        for i in 0..<entries.count where !shouldRemove(i) {
            if kept != i { entries[kept] = entries[i] }
            kept += 1
        }
        guard kept < entries.count else { return }
        entries.removeLast(entries.count - kept)
        // Never smaller than before: the next epoch opens about as many windows, and growing back would rebuild
        // the index once per doubling.
        var capacity = slots.count
        while capacity < kept * 2 { capacity *= 2 }
        rebuildIndex(capacity: capacity)
    }

    mutating func rebuildIndex(capacity: Int) {
        slots = Array(repeating: 0, count: capacity)
        let mask = capacity - 1
        for e in 0..<entries.count {
            var i = Self.hash(entries[e].start, entries[e].group) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = Int32(e + 1)
        }
    }

    /// Entry indices in key order (start, then group): deterministic snapshots.
    public func sortedIndices() -> [Int] {
        entries.indices.sorted { (entries[$0].start, entries[$0].group) < (entries[$1].start, entries[$1].group) }
    }
}

extension WindowTable: Equatable {
    /// Same keys with the same values, whatever the order (touch epochs are transient, not state).
    public static func == (a: Self, b: Self) -> Bool {
        guard a.count == b.count else { return false }
        for e in a.entries {
            guard let j = b.find(start: e.start, group: e.group), b.entries[j].value == e.value else { return false }
        }
        return true
    }
}
