import TripCore

/// The order in which an epoch's rows are emitted: by window start, then group, ties kept in input order.
///
/// An epoch emits about one row per input row, so this sort is on the hot path. Window starts of one query
/// sit on a grid (multiples of the slide, or consecutive day numbers) and groups are small dense ids, so a
/// row's place packs into few bits: (start − first start) / step, then group − smallest group. When that fits
/// 32 bits, an LSD radix sort over it (one counting pass per 8 bits actually used, stable by construction)
/// replaces the comparison sort; otherwise the comparison sort runs.
public enum KeyOrder {
    /// Indices of `keys` in (start, group) order, equal keys in index order. `grid`, when the caller knows it:
    /// every start is a multiple of it away from every other (a query's slide; 1 for day numbers), which saves
    /// finding the grid from the starts.
    public static func sortedIndices(_ keys: [GroupedWindowKey], grid: EventTime? = nil) -> [Int] {
        let n = keys.count
        guard n > 1 else { return Array(0..<n) }
        precondition(n < Int(UInt32.max), "too many rows in one epoch to sort")
        guard let packing = Packing(keys, grid: grid) else { return comparisonSorted(keys) }
        // Packed place in the high 32 bits, the index in the low 32: sorting the words sorts stably by key.
        var words = [UInt64](unsafeUninitializedCapacity: n) { buffer, count in
            for (i, k) in keys.enumerated() { buffer[i] = packing.place(k) << 32 | UInt64(i) }
            count = n
        }
        radixSortHighBits(&words, bits: packing.bits)
        return words.map { Int(truncatingIfNeeded: $0 & 0xFFFF_FFFF) }
    }

    /// A key's place as (start − first start) / step, then group − smallest group, in `bits` ≤ 32 bits.
    struct Packing {
        let minStart: EventTime
        let step: UInt64
        let minGroup: Int32
        let groupBits: Int
        let bits: Int

        /// Nil when the keys' places do not fit 32 bits. `grid`: the step, when known (`sortedIndices`).
        init?(_ keys: [GroupedWindowKey], grid: EventTime? = nil) {
            guard let first = keys.first else { return nil }
            var minStart = first.start, maxStart = first.start
            var minGroup = first.group, maxGroup = first.group
            for k in keys {
                minStart = min(minStart, k.start); maxStart = max(maxStart, k.start)
                minGroup = min(minGroup, k.group); maxGroup = max(maxGroup, k.group)
            }
            // The grid step: gcd of every start's distance from the first (rows of one window repeat a distance).
            var step: UInt64 = 0
            if let grid {
                step = UInt64(grid)
            } else {
                var lastDistance: UInt64 = 0
                for k in keys {
                    let d = UInt64(bitPattern: k.start &- minStart)
                    // Usually one remainder: the step is found within the first few distinct starts.
                    if d != lastDistance {
                        lastDistance = d
                        if step == 0 || d % step != 0 { step = KeyOrder.gcd(step, d) }
                    }
                }
            }
            let ranks = step == 0 ? 0 : UInt64(bitPattern: maxStart &- minStart) / step
            groupBits = KeyOrder.bitWidth(UInt64(UInt32(bitPattern: maxGroup &- minGroup)))
            bits = KeyOrder.bitWidth(ranks) + groupBits
            guard bits <= 32 else { return nil }
            self.minStart = minStart
            self.step = step
            self.minGroup = minGroup
        }

        @inline(__always)
        func place(_ k: GroupedWindowKey) -> UInt64 {
            let rank = step == 0 ? 0 : UInt64(bitPattern: k.start &- minStart) / step
            return rank << groupBits | UInt64(UInt32(bitPattern: k.group &- minGroup))
        }
    }

    /// Stable LSD radix sort of `words` by their bits 32 ..< 32 + `bits`: digits of 8 bits, or 11 when there are
    /// enough words to pay for the larger count table (17 bits of place then take two passes, not three). One
    /// read counts every digit; a digit that is the same in every word is skipped.
    static func radixSortHighBits(_ words: inout [UInt64], bits: Int) {
        let n = words.count
        guard bits > 0, n > 1 else { return }
        let digitBits = n >= 4096 ? 11 : 8
        let radix = 1 << digitBits, mask = UInt64(radix - 1)
        let passes = (bits + digitBits - 1) / digitBits
        var counts = [Int](repeating: 0, count: radix * passes)
        words.withUnsafeBufferPointer { from in
            counts.withUnsafeMutableBufferPointer { c in
                for w in from {
                    var digits = w >> 32
                    for p in 0..<passes {
                        c[p * radix + Int(truncatingIfNeeded: digits & mask)] += 1
                        digits >>= UInt64(digitBits)
                    }
                }
            }
        }
        var other = [UInt64](repeating: 0, count: n)
        for p in 0..<passes {
            let shift = UInt64(32 + p * digitBits)
            var sorted = false
            words.withUnsafeBufferPointer { from in
                other.withUnsafeMutableBufferPointer { to in
                    counts.withUnsafeMutableBufferPointer { all in
                        let c = UnsafeMutableBufferPointer(rebasing: all[p * radix ..< (p + 1) * radix])
                        if c[Int(truncatingIfNeeded: (from[0] >> shift) & mask)] == n { return }  // one digit
                        var sum = 0
                        for i in 0..<radix { let count = c[i]; c[i] = sum; sum += count }
                        for w in from {
                            let digit = Int(truncatingIfNeeded: (w >> shift) & mask)
                            to[c[digit]] = w
                            c[digit] += 1
                        }
                        sorted = true
                    }
                }
            }
            if sorted { swap(&words, &other) }
        }
    }

    /// The general case (starts spread over more than 32 bits of grid): a comparison sort of (start, group, index).
    static func comparisonSorted(_ keys: [GroupedWindowKey]) -> [Int] {
        keys.indices.sorted { a, b in
            let x = keys[a], y = keys[b]
            return x.start != y.start ? x.start < y.start : x.group != y.group ? x.group < y.group : a < b
        }
    }

    static func bitWidth(_ v: UInt64) -> Int { v == 0 ? 0 : 64 - v.leadingZeroBitCount }

    static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }
}
