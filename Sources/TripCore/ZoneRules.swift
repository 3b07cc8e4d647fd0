import Foundation

/// UTC offsets of one IANA time zone as a sorted table of transitions, built once from the system's
/// zone database (Foundation, off the hot path) and then queried with plain integer arithmetic.
///
/// Local → UTC follows java.time (and so Spark): in an overlap (the repeated hour when DST ends) the
/// earlier instant is chosen; in a gap (the skipped hour when DST starts) the local time is shifted
/// forward by the gap's length (02:30 → 03:30 daylight time).
public struct ZoneRules: Sendable, Equatable {
    public let identifier: String
    /// Transition instants (Unix seconds), ascending; `offsets[i]` applies from `transitions[i]` on.
    /// `offsets[0]` applies before the first transition.
    @usableFromInline let transitions: [Int64]
    @usableFromInline let offsets: [Int64]
    /// For each 2^22-second span (~48.5 days) from `bucketBase`, the index of the last transition at or before
    /// the span's start: a lookup is one table read and at most a step or two forward (zones change offset
    /// at most a few times a year), instead of a binary search over ~600 transitions. Outside the table the
    /// binary search answers.
    @usableFromInline let bucketBase: Int64
    @usableFromInline let buckets: [Int32]
    @usableFromInline static let bucketShift: Int64 = 22

    public static let utc = ZoneRules(identifier: "UTC", transitions: [Int64.min], offsets: [0])

    init(identifier: String, transitions: [Int64], offsets: [Int64]) {
        self.identifier = identifier
        self.transitions = transitions
        self.offsets = offsets
        bucketBase = -2_208_988_800  // 1900-01-01, where the table of transitions starts
        let spans = Int((7_258_118_400 - bucketBase) >> Self.bucketShift) + 1  // through 2200
        var buckets = [Int32](repeating: 0, count: spans)
        var index = 0
        for b in 0..<spans {
            let start = bucketBase + (Int64(b) << Self.bucketShift)
            while index + 1 < transitions.count && transitions[index + 1] <= start { index += 1 }
            buckets[b] = Int32(index)
        }
        self.buckets = buckets
    }

    /// Loads the zone; nil when the identifier is unknown to the system's zone database.
    /// Transitions are tabulated from 1900 to 2200; outside that range the nearest offset is kept.
    public init?(identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        let start = Date(timeIntervalSince1970: -2_208_988_800)  // 1900-01-01
        let end = Date(timeIntervalSince1970: 7_258_118_400)  // 2200-01-01
        var instants: [Int64] = [Int64.min]
        var offs: [Int64] = [Int64(zone.secondsFromGMT(for: start))]
        var cursor = start
        while let next = zone.nextDaylightSavingTimeTransition(after: cursor), next < end {
            let offset = Int64(zone.secondsFromGMT(for: next))
            if offset != offs.last! {
                instants.append(Int64(next.timeIntervalSince1970.rounded()))
                offs.append(offset)
            }
            cursor = next
        }
        self.init(identifier: identifier, transitions: instants, offsets: offs)
    }

    /// Offset (seconds east of UTC) in force at a UTC instant given in Unix seconds.
    @inlinable
    public func offset(atUTC seconds: Int64) -> Int64 {
        let bucket = (seconds &- bucketBase) >> Self.bucketShift
        if seconds >= bucketBase && bucket < buckets.count {
            var i = Int(buckets[Int(bucket)])
            while i + 1 < transitions.count && transitions[i + 1] <= seconds { i += 1 }
            return offsets[i]
        }
        return searchedOffset(atUTC: seconds)
    }

    /// The binary search for the last transition <= seconds.
    @inlinable
    func searchedOffset(atUTC seconds: Int64) -> Int64 {
        var lo = 0
        var hi = transitions.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) >> 1
            if transitions[mid] <= seconds { lo = mid } else { hi = mid - 1 }
        }
        return offsets[lo]
    }

    /// UTC Unix seconds of a local wall-clock time given as seconds since 1970-01-01T00:00 local.
    @inlinable
    public func utc(fromLocal local: Int64) -> Int64 {
        let before = offset(atUTC: local &- 86_400)
        let after = offset(atUTC: local &+ 86_400)
        if before == after { return local - before }
        let early = local - before
        let late = local - after
        // Only the later-offset reading valid ⇒ use it; otherwise (overlap, or gap) the earlier offset.
        if offset(atUTC: early) != before && offset(atUTC: late) == after { return late }
        return early
    }

    /// Local day number (days since 1970-01-01 on the local calendar) of a UTC instant.
    @inlinable
    public func localDay(ofUTC seconds: Int64) -> Int64 {
        floorDiv(seconds + offset(atUTC: seconds), 86_400)
    }

    /// UTC instant at which a local calendar day starts (local midnight, or the first valid local time).
    @inlinable
    public func startOfDay(_ day: Int64) -> Int64 {
        utc(fromLocal: day * 86_400)
    }

    public static func == (a: ZoneRules, b: ZoneRules) -> Bool { a.identifier == b.identifier }
}
