#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Maps byte strings (pickup centroid locations) to dense ids without allocating a `String` per row.
/// Ids are assigned in first-seen order, so the same input gives the same ids; the table is part of the
/// engine's serialized state. Storage: one byte arena plus an open-addressing table of ids.
public struct StringInterner: Sendable, Equatable {
    @usableFromInline var arena: [UInt8] = []
    /// End offset in `arena` of string `id`; its start is the previous end (or 0).
    @usableFromInline var ends: [Int] = []
    @usableFromInline var hashes: [UInt64] = []
    /// Slot → id + 1 (0 = empty). Power-of-two size, at most half full.
    @usableFromInline var slots: [Int32] = Array(repeating: 0, count: 64)

    /// Strings of ids 0 ..< its count, each made once (`cacheStrings()`): every result row of a location shares
    /// one storage, so a sink comparing texts finds them identical at once. Derived, so not compared.
    public private(set) var cachedStrings: [String] = []

    public init() {}

    public var count: Int { ends.count }

    /// Same strings under the same ids.
    public static func == (a: Self, b: Self) -> Bool { a.ends == b.ends && a.arena == b.arena }

    /// Makes the Strings of the ids added since the last call.
    public mutating func cacheStrings() {
        guard cachedStrings.count < count else { return }
        cachedStrings += (cachedStrings.count..<count).map { string(LocationID($0)) }
    }

    /// Deterministic across runs (unlike Hasher), eight bytes per step: a multiply-rotate mix of each word,
    /// the tail bytes and the length. It only places ids in slots; ids themselves are first-seen order.
    @inlinable
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(bytes.count)
        var i = 0
        if let base = bytes.baseAddress {
            while i + 8 <= bytes.count {
                let w = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: i, as: UInt64.self))
                h = (h ^ w) &* 0x9E37_79B9_7F4A_7C15
                h ^= h >> 29
                i += 8
            }
            var tail: UInt64 = 0
            while i < bytes.count {
                tail = tail << 8 | UInt64(base.load(fromByteOffset: i, as: UInt8.self))
                i += 1
            }
            h = (h ^ tail) &* 0x9E37_79B9_7F4A_7C15
        }
        return h ^ (h >> 32)
    }

    @inlinable
    func range(of id: Int) -> Range<Int> { (id == 0 ? 0 : ends[id - 1])..<ends[id] }

    @inlinable
    func equals(_ id: Int, _ bytes: UnsafeRawBufferPointer) -> Bool {
        let r = range(of: id)
        guard r.count == bytes.count else { return false }
        return arena.withUnsafeBytes { a in
            bytes.count == 0 || memcmpBytes(a.baseAddress! + r.lowerBound, bytes.baseAddress!, bytes.count)
        }
    }

    /// The id of `bytes`, adding it when new.
    @inlinable
    public mutating func intern(_ bytes: UnsafeRawBufferPointer) -> LocationID {
        let h = Self.hash(bytes)
        let mask = slots.count - 1
        var i = Int(truncatingIfNeeded: h) & mask
        while true {
            let slot = slots[i]
            if slot == 0 { break }
            let id = Int(slot) - 1
            if hashes[id] == h && equals(id, bytes) { return LocationID(id) }
            i = (i + 1) & mask
        }
        let id = ends.count
        arena.append(contentsOf: bytes)
        ends.append(arena.count)
        hashes.append(h)
        slots[i] = Int32(id + 1)
        if ends.count * 2 > slots.count { grow() }
        return LocationID(id)
    }

    public mutating func intern(_ string: String) -> LocationID {
        var s = string
        return s.withUTF8 { intern(UnsafeRawBufferPointer($0)) }
    }

    @usableFromInline
    mutating func grow() {
        slots = Array(repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for id in 0..<ends.count {
            var i = Int(truncatingIfNeeded: hashes[id]) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = Int32(id + 1)
        }
    }

    /// The bytes of string `id`, borrowed for `body`.
    public func withBytes<R>(of id: LocationID, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let r = range(of: Int(id))
        return arena.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[r])) }
    }

    public func string(_ id: LocationID) -> String {
        String(decoding: arena[range(of: Int(id))], as: UTF8.self)
    }

    /// All strings in id order (serialization).
    public var strings: [String] { (0..<count).map { string(LocationID($0)) } }

    /// Rebuilds an interner with the given strings at ids 0, 1, 2, …
    public init(strings: [String]) {
        self.init()
        for s in strings { _ = intern(s) }
    }
}

@inlinable
func memcmpBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, _ n: Int) -> Bool {
    memcmp(a, b, n) == 0
}
