import TripCore

/// The distinct group-key tuples of one SQL query, each under a dense id (first-seen order, so the same input
/// gives the same ids): `WindowTable`'s group. A tuple is its columns' presence bits then their values (0 when
/// NULL), so NULLs group together as SQL's GROUP BY does. Flat storage and an open-addressing index with a
/// multiplicative hash: looking a row's key up allocates nothing. It grows with the distinct keys, as the
/// locations interner does.
struct GroupKeys: Sendable, Equatable {
    /// Columns per tuple.
    let arity: Int
    /// Tuple `id` at `words[id * (arity + 1) ..< (id + 1) * (arity + 1)]`: the presence bits, then the values.
    private(set) var words: [Int64] = []
    /// Slot → id + 1 (0 = empty). Power-of-two size, at most half full.
    private var slots: [Int32] = Array(repeating: 0, count: 16)
    /// One column only: value → id + 1 (0 = not yet looked up) for values in 0 ..< `directLimit` (text indices,
    /// community areas, small integers), so most rows find their id without hashing. A cache of the hash index,
    /// which holds every tuple: derived, not state.
    private var direct: [Int32] = []
    static let directLimit: Int64 = 1 << 20

    init(arity: Int) { self.arity = arity }

    var count: Int { arity == 0 ? 0 : words.count / (arity + 1) }

    static func == (a: Self, b: Self) -> Bool { a.arity == b.arity && a.words == b.words }

    /// Column `j` of tuple `id`, nil when NULL.
    func value(_ id: Int32, _ j: Int) -> Int64? {
        let base = Int(id) * (arity + 1)
        return words[base] & (1 << Int64(j)) != 0 ? words[base + 1 + j] : nil
    }

    /// The id of the row's tuple (its presence bits and values) over `columns` (`TripColumn` indices), adding
    /// it when new. With no group column every row is group 0.
    @inline(__always)
    mutating func id(_ present: UInt64, _ values: UnsafeBufferPointer<Int64>, columns: UnsafeBufferPointer<Int>) -> Int32 {
        if arity == 0 { return 0 }
        if arity == 1, present & (1 << UInt64(columns[0])) != 0 {
            let v = values[columns[0]]
            if v >= 0 && v < Self.directLimit {
                let k = Int(v)
                if k < direct.count && direct[k] != 0 { return direct[k] - 1 }
                return directMiss(k, present, values, columns)
            }
        }
        return hashedID(present, values, columns)
    }

    /// A value the direct map does not hold yet: its id from the hash index, then mapped.
    @inline(never)
    private mutating func directMiss(_ k: Int, _ present: UInt64, _ values: UnsafeBufferPointer<Int64>,
                                     _ columns: UnsafeBufferPointer<Int>) -> Int32 {
        let id = hashedID(present, values, columns)
        if k >= direct.count {
            var size = max(64, direct.count)
            while size <= k { size *= 2 }
            direct.append(contentsOf: repeatElement(0, count: size - direct.count))
        }
        direct[k] = id + 1
        return id
    }

    @inline(__always)
    private mutating func hashedID(_ present: UInt64, _ values: UnsafeBufferPointer<Int64>,
                                   _ columns: UnsafeBufferPointer<Int>) -> Int32 {
        var mask: Int64 = 0
        var h = Self.seed
        for j in 0..<columns.count {
            let c = columns[j]
            let isPresent = present & (1 << UInt64(c)) != 0
            if isPresent { mask |= 1 << Int64(j) }
            h = Self.mix(h, isPresent ? values[c] : 0)
        }
        h = Self.finish(h, mask: mask)
        let stride = arity + 1
        let slotMask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & slotMask
        while true {
            let slot = Int(slots[i])
            if slot == 0 { break }
            let base = (slot - 1) * stride
            if words[base] == mask && matches(base, values, columns) { return Int32(slot - 1) }
            i = (i + 1) & slotMask
        }
        let id = count
        words.append(mask)
        for j in 0..<columns.count { words.append(mask & (1 << Int64(j)) != 0 ? values[columns[j]] : 0) }
        slots[i] = Int32(id + 1)
        if (id + 1) * 2 > slots.count { rebuildIndex(capacity: slots.count * 2) }
        return Int32(id)
    }

    @inline(__always)
    private func matches(_ base: Int, _ values: UnsafeBufferPointer<Int64>, _ columns: UnsafeBufferPointer<Int>) -> Bool {
        let mask = words[base]
        for j in 0..<columns.count where mask & (1 << Int64(j)) != 0 && words[base + 1 + j] != values[columns[j]] {
            return false
        }
        return true
    }

    /// Rebuilds from a snapshot's tuples (`words` as `words` holds them), keeping their ids.
    init(arity: Int, words: [Int64]) throws {
        self.arity = arity
        guard arity > 0 || words.isEmpty, arity == 0 || words.count % (arity + 1) == 0 else {
            throw SnapshotError("bad group keys in engine snapshot")
        }
        let columns = Array(0..<arity)
        for base in stride(from: 0, to: words.count, by: arity + 1) {
            let tuple = Array(words[base + 1 ..< base + 1 + arity])
            let present = UInt64(bitPattern: words[base])
            var id: Int32 = -1
            tuple.withUnsafeBufferPointer { v in
                columns.withUnsafeBufferPointer { c in id = self.id(present, v, columns: c) }
            }
            guard words[base] >> arity == 0, id == Int32(base / (arity + 1)) else {
                throw SnapshotError("duplicate group key in engine snapshot")
            }
        }
    }

    /// The tuple's hash: each value mixed in turn, then the presence bits (deterministic, unlike `Hasher`).
    static let seed: UInt64 = 0x9E37_79B9_7F4A_7C15

    @inline(__always)
    static func mix(_ h: UInt64, _ v: Int64) -> UInt64 {
        let x = (h ^ UInt64(bitPattern: v)) &* 0xC2B2_AE3D_27D4_EB4F
        return x ^ (x >> 29)
    }

    @inline(__always)
    static func finish(_ h: UInt64, mask: Int64) -> UInt64 {
        let x = (h ^ UInt64(bitPattern: mask)) &* 0x9E37_79B9_7F4A_7C15
        return x ^ (x >> 32)
    }

    private mutating func rebuildIndex(capacity: Int) {
        slots = Array(repeating: 0, count: capacity)
        let mask = capacity - 1
        let stride = arity + 1
        for id in 0..<count {
            var h = Self.seed
            for j in 0..<arity { h = Self.mix(h, words[id * stride + 1 + j]) }
            h = Self.finish(h, mask: words[id * stride])
            var i = Int(truncatingIfNeeded: h) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = Int32(id + 1)
        }
    }
}
