import Testing
import TripCore
@testable import TripEngine

/// The emit order (radix sort over packed keys, or the comparison sort when keys do not pack) against a
/// reference: sort by (start, group, index).
@Suite struct KeyOrderTests {
    struct SplitMix {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
    }

    static func reference(_ keys: [GroupedWindowKey]) -> [Int] {
        keys.indices.sorted { (keys[$0].start, keys[$0].group, $0) < (keys[$1].start, keys[$1].group, $1) }
    }

    @Test func agreesWithTheReferenceOnEveryShapeOfKeys() {
        var rng = SplitMix(state: 42)
        // (starts on a grid, distinct starts, group range, group offset) — from the typical epoch (a few
        // window starts on a 15-minute grid, a few hundred location ids) to keys that do not pack into 32 bits.
        let shapes: [(grid: Int64, starts: Int, groups: Int, groupOffset: Int32)] = [
            (900_000, 6, 400, 0), (900_000, 1, 77, 1), (1, 40, 1, 0), (30_000, 3000, 5000, 0),
            (900_000, 5, 1 << 20, -(1 << 19)), (7, 1 << 12, 1 << 22, Int32.min), (1, 100_000, 3, 0),
            (86_400_000, 400, 2, 0),
        ]
        let counts = [0, 1, 2, 3, 255, 256, 257, 4095, 4096, 12_000]  // 8- and 11-bit digits from 4096 on
        let sorts = counts.filter { $0 > 1 }.count
        var radixRuns = 0
        for shape in shapes {
            for count in counts {
                let base = EventTime(rng.below(1 << 40)) - (1 << 39)
                let keys = (0..<count).map { _ in
                    GroupedWindowKey(start: base + EventTime(rng.below(shape.starts)) * shape.grid,
                                     group: shape.groupOffset &+ Int32(truncatingIfNeeded: rng.below(shape.groups)))
                }
                #expect(KeyOrder.sortedIndices(keys) == Self.reference(keys),
                        "grid \(shape.grid), \(shape.starts) starts, \(shape.groups) groups, \(count) keys")
                // The grid given, as a query knows its slide: the same order.
                #expect(KeyOrder.sortedIndices(keys, grid: shape.grid) == Self.reference(keys),
                        "grid \(shape.grid) given, \(shape.starts) starts, \(shape.groups) groups, \(count) keys")
                if count > 1 && KeyOrder.Packing(keys) != nil { radixRuns += 1 }
            }
        }
        // The shapes of real epochs pack (radix path); the last shapes do not (comparison path).
        #expect(radixRuns >= 5 * sorts)
        #expect(radixRuns < shapes.count * sorts)
    }

    @Test func extremeStartsAndGroupsFallBackToTheComparisonSort() {
        let keys = [GroupedWindowKey(start: .max, group: .max), GroupedWindowKey(start: .min, group: .min),
                    GroupedWindowKey(start: 0, group: 0), GroupedWindowKey(start: .min, group: .max),
                    GroupedWindowKey(start: .max, group: .min), GroupedWindowKey(start: 0, group: 0)]
        #expect(KeyOrder.Packing(keys) == nil)
        #expect(KeyOrder.sortedIndices(keys) == [1, 3, 2, 5, 4, 0])
        #expect(KeyOrder.sortedIndices(keys) == Self.reference(keys))
    }

    /// Stable on equal keys, with 8- and 11-bit digits, and when a digit is the same in every word (its pass is
    /// skipped: here the low digit, the keys being multiples of 2^11).
    @Test func theRadixSortIsStableOnEqualKeys() {
        for (count, spacing, bits) in [(1000, 1, 3), (5000, 1, 3), (1000, 1 << 11, 14), (5000, 1 << 11, 14)] {
            var words: [UInt64] = (0..<count).map { UInt64(($0 % 7) * spacing) << 32 | UInt64(count - 1 - $0) }
            KeyOrder.radixSortHighBits(&words, bits: bits)
            for (a, b) in zip(words, words.dropFirst()) {
                #expect(a >> 32 < b >> 32 || (a >> 32 == b >> 32 && a & 0xFFFF_FFFF > b & 0xFFFF_FFFF),
                        "\(count) words, spacing \(spacing)")
            }
        }
    }
}
