import Testing
@testable import TripEngine

/// Group ids are first-seen numbers of the distinct tuples (NULLs together), whichever way a lookup goes: the
/// one-column direct map (values 0 ..< 2^20) or the hash index (other values, several columns).
@Suite struct GroupKeysTests {
    /// A reference: ids by first appearance of the tuple (nil = NULL).
    static func referenceIDs(_ tuples: [[Int64?]]) -> [Int32] {
        var seen: [[Int64?]: Int32] = [:]
        return tuples.map { t in
            if let id = seen[t] { return id }
            seen[t] = Int32(seen.count)
            return Int32(seen.count - 1)
        }
    }

    static func ids(_ keys: inout GroupKeys, _ tuples: [[Int64?]]) -> [Int32] {
        let columns = Array(0..<keys.arity)
        return tuples.map { t in
            var present: UInt64 = 0
            let values = t.enumerated().map { j, v -> Int64 in
                if v != nil { present |= 1 << UInt64(j) }
                return v ?? 0
            }
            return values.withUnsafeBufferPointer { v in columns.withUnsafeBufferPointer { keys.id(present, v, columns: $0) } }
        }
    }

    @Test func oneColumnIdsAreFirstSeenWhicheverPathFindsThem() throws {
        let limit = GroupKeys.directLimit
        var values: [Int64?] = [5, nil, 0, limit - 1, limit, -1, .min, .max, 5, 63, 64, 65, 1000, 70_000]
        var state: UInt64 = 7
        for _ in 0..<5000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let pick = Int(state >> 33) % 6
            values.append(pick == 0 ? nil : pick == 1 ? Int64(state >> 40) : Int64(state >> 55) - 100)
        }
        values += values.reversed()
        let tuples = values.map { [$0] }
        var keys = GroupKeys(arity: 1)
        let ids = Self.ids(&keys, tuples)
        #expect(ids == Self.referenceIDs(tuples))
        // Rebuilt from its tuples (a snapshot), the same ids again, through a fresh direct map.
        var restored = try GroupKeys(arity: 1, words: keys.words)
        #expect(restored == keys)
        #expect(Self.ids(&restored, tuples) == ids)
    }

    @Test func severalColumnsUseTheHashIndex() {
        let tuples: [[Int64?]] = [[1, 2], [1, nil], [nil, 2], [1, 2], [nil, nil], [2, 1], [nil, 2], [1, nil]]
        var keys = GroupKeys(arity: 2)
        #expect(Self.ids(&keys, tuples) == Self.referenceIDs(tuples))
    }
}
