import TripCore

/// Open windows of one query: (window start, group) → value, plus the epoch that last changed each.
/// Entries live in dense arrays (iteration is a linear scan in insertion order); an open-addressing index
/// with a multiplicative hash finds them (no `Hasher` on the hot path). Final windows are removed in bulk
/// at epoch end (`removeAll(where:)`), which compacts the arrays and rebuilds the index.
public struct WindowTable<Value: Equatable & Sendable>: Sendable {
    public private(set) var starts: [EventTime] = []
    public private(set) var groups: [Int32] = []
    public var values: [Value] = []
    public var touched: [Int64] = []
    /// Slot → entry index + 1 (0 = empty). Power-of-two size, at most half full.
    var slots: [Int32] = Array(repeating: 0, count: 16)

    public init() {}

    public var count: Int { starts.count }
    public var isEmpty: Bool { starts.isEmpty }

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
            if starts[slot - 1] == start && groups[slot - 1] == group { return slot - 1 }
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
            if starts[slot - 1] == start && groups[slot - 1] == group {
                touched[slot - 1] = epoch
                return slot - 1
            }
            i = (i + 1) & mask
        }
        let index = starts.count
        starts.append(start)
        groups.append(group)
        values.append(initial())
        touched.append(epoch)
        slots[i] = Int32(index + 1)
        if starts.count * 2 > slots.count { rebuildIndex(capacity: slots.count * 2) }
        return index
    }

    /// Removes the entries for which `shouldRemove(index)` is true, keeping the others' order.
    public mutating func removeAll(where shouldRemove: (Int) -> Bool) {
        var kept = 0
        for i in 0..<starts.count where !shouldRemove(i) {
            if kept != i {
                starts[kept] = starts[i]
                groups[kept] = groups[i]
                values[kept] = values[i]
                touched[kept] = touched[i]
            }
            kept += 1
        }
        guard kept < starts.count else { return }
        starts.removeLast(starts.count - kept)
        groups.removeLast(groups.count - kept)
        values.removeLast(values.count - kept)
        touched.removeLast(touched.count - kept)
        // Never smaller than before: the next epoch opens about as many windows, and growing back would rebuild
        // the index once per doubling.
        var capacity = slots.count
        while capacity < kept * 2 { capacity *= 2 }
        rebuildIndex(capacity: capacity)
    }

    mutating func rebuildIndex(capacity: Int) {
        slots = Array(repeating: 0, count: capacity)
        let mask = capacity - 1
        for e in 0..<starts.count {
            var i = Self.hash(starts[e], groups[e]) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = Int32(e + 1)
        }
    }

    /// Entry indices in key order (start, then group): deterministic snapshots.
    public func sortedIndices() -> [Int] {
        starts.indices.sorted { (starts[$0], groups[$0]) < (starts[$1], groups[$1]) }
    }
}

extension WindowTable: Equatable {
    /// Same keys with the same values, whatever the order (touch epochs are transient, not state).
    public static func == (a: Self, b: Self) -> Bool {
        guard a.count == b.count else { return false }
        for i in 0..<a.count {
            guard let j = b.find(start: a.starts[i], group: a.groups[i]), b.values[j] == a.values[i] else { return false }
        }
        return true
    }
}
