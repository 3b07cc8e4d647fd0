import Testing
import TripCore
@testable import TripEngine
import TripFixtures

/// `WindowSlab` against a dictionary doing the same: keys, words, order, copies and bytes.
@Suite struct WindowSlabTests {
    /// Random windows opened and updated through the per-row path, thinned by `removeAll`, copied midway:
    /// the slab holds what the dictionary holds, in insertion order, and the copy is untouched by later writes.
    @Test func theSlabHoldsWhatADictionaryHolds() {
        var rng = SplitMix64(seed: 11)
        var slab = WindowSlab(stride: 2)
        var reference: [GroupedWindowKey: [Int64]] = [:]
        var order: [GroupedWindowKey] = []
        var copy: WindowSlab?
        var copied: [GroupedWindowKey: [Int64]] = [:]
        let initial: [Int64] = [0, 100]
        for step in 0..<20_000 {
            let key = GroupedWindowKey(start: Int64(rng.next() % 300) * 60_000, group: Int32(rng.next() % 40))
            let storage = slab.reserve(3)
            let w = initial.withUnsafeBufferPointer { storage.window(key.start, key.group, epoch: Int64(step), initial: $0) }
            w[0] += 1
            w[1] -= Int64(step)
            if reference[key] == nil { order.append(key) }
            reference[key, default: initial][0] += 1
            reference[key, default: initial][1] -= Int64(step)
            if step == 7_000 {
                copy = slab
                copied = reference
            }
            if step % 5_000 == 4_999 {
                let cut = Int64(rng.next() % 300) * 60_000
                let starts = (0..<slab.count).map { slab.start($0) }
                slab.removeAll { starts[$0] < cut }
                reference = reference.filter { $0.key.start >= cut }
                order = order.filter { $0.start >= cut }
            }
        }
        #expect(slab.count == reference.count)
        #expect((0..<slab.count).map { GroupedWindowKey(start: slab.start($0), group: slab.group($0)) } == order)
        for (key, words) in reference {
            let i = slab.find(start: key.start, group: key.group)
            #expect(i.map { Array(slab.words($0)) } == words, "\(key)")
        }
        #expect(copy?.count == copied.count)
        for (key, words) in copied {
            #expect(copy.flatMap { c in c.find(start: key.start, group: key.group).map { Array(c.words($0)) } } == words)
        }
        #expect(copy != slab)
    }

    @Test func bytesRoundTripAndADuplicateIsRefused() throws {
        var slab = WindowSlab(stride: 3)
        for i in 0..<100 {
            let words: [Int64] = [Int64(i), -Int64(i), .max]
            #expect(words.withUnsafeBufferPointer { slab.insert(start: Int64(99 - i) * 1000, group: Int32(i % 7), words: $0) })
        }
        #expect(![Int64](repeating: 0, count: 3).withUnsafeBufferPointer { slab.insert(start: 0, group: 1, words: $0) })
        var w = ByteWriter()
        slab.encode(into: &w)
        var r = ByteReader(w.bytes)
        let back = try WindowSlab.decode(from: &r, stride: 3)
        #expect(back == slab)
        // Key order, whatever the insertion order: the same windows give the same bytes.
        var w2 = ByteWriter()
        back.encode(into: &w2)
        #expect(w2.bytes == w.bytes)
        // A snapshot holding one window twice is refused.
        var twice = ByteWriter()
        twice.int64(2)
        for _ in 0..<2 {
            twice.int64(5_000)
            twice.int32(3)
            for v: Int64 in [1, 2, 3] { twice.int64(v) }
        }
        var r2 = ByteReader(twice.bytes)
        #expect(throws: SnapshotError("duplicate window in engine snapshot")) {
            try WindowSlab.decode(from: &r2, stride: 3)
        }
    }
}
