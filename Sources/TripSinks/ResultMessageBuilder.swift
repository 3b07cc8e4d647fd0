import TripCore

/// One result message (key and JSON value) built in reused byte buffers: no String per field, no
/// allocation per message once the buffers have grown. The result topics' sink (TripPipeline) calls it for every
/// field of every message: inlinable, so that costs what calls within one module did.
public struct ResultMessageBuilder {
    public var key: [UInt8] = []
    public var value: [UInt8] = []
    /// `{"tenant":…` and each query's key prefix `<tenant>|<query>|`, made once.
    @usableFromInline let tenantField: [UInt8]
    @usableFromInline let keyPrefixes: PerQuery<[UInt8]>

    public init(tenant: String) {
        tenantField = Array("{\"tenant\":\(JSONText.string(tenant))".utf8)
        keyPrefixes = PerQuery { Array("\(tenant)|\($0.rawValue)|".utf8) }
    }

    /// `,"window":{…},"window_start":…,"window_end":…` and the key's `<start>|<end>` of the last window seen
    /// (consecutive rows share it: an epoch's rows come sorted by window).
    @usableFromInline var windowFragment: [UInt8] = []
    @usableFromInline var windowKey: [UInt8] = []
    @usableFromInline var fragmentWindow: (EventTime, EventTime) = (.min, .min)

    /// Key `<start>|<end>` and value `{"tenant":…,"window":…,"window_start":…,"window_end":…`.
    @inlinable
    public mutating func begin(_ query: QueryName, windowStart: EventTime, windowEnd: EventTime) {
        let start = floorDiv(windowStart, 1000), end = floorDiv(windowEnd, 1000)
        if fragmentWindow != (windowStart, windowEnd) {
            fragmentWindow = (windowStart, windowEnd)
            windowKey.removeAll(keepingCapacity: true)
            MessageBytes.decimal(start, into: &windowKey)
            windowKey.append(0x7C)
            MessageBytes.decimal(end, into: &windowKey)
            windowFragment.removeAll(keepingCapacity: true)
            windowFragment.append(contentsOf: ",\"window\":{\"start\":\"\(CivilDate.isoUTC(seconds: start))\",\"end\":\"\(CivilDate.isoUTC(seconds: end))\"}".utf8)
            windowFragment.append(",\"window_start\":")
            MessageBytes.decimal(start, into: &windowFragment)
            windowFragment.append(",\"window_end\":")
            MessageBytes.decimal(end, into: &windowFragment)
        }
        beginKey(query)
        key.append(contentsOf: windowKey)
        beginValue()
        value.append(contentsOf: windowFragment)
    }

    @inlinable
    public mutating func beginKey(_ query: QueryName) {
        key.removeAll(keepingCapacity: true)
        key.append(contentsOf: keyPrefixes[query])
    }

    @inlinable
    public mutating func beginValue() {
        value.removeAll(keepingCapacity: true)
        value.append(contentsOf: tenantField)
    }

    @inlinable
    mutating func name(_ field: StaticString) {
        value.append(",\"")
        value.append(field)
        value.append("\":")
    }

    @inlinable
    public mutating func integer(_ field: StaticString, _ v: Int64) {
        name(field)
        MessageBytes.decimal(v, into: &value)
    }

    @inlinable
    public mutating func money(_ field: StaticString, _ cents: Int64?) {
        name(field)
        MessageBytes.money(cents, into: &value)
    }

    @inlinable
    public mutating func text(_ field: StaticString, _ s: String) {
        name(field)
        JSONText.append(s, to: &value)
    }
}

/// Number text straight into bytes.
public enum MessageBytes {
    @inlinable
    public static func decimal(_ v: Int64, into out: inout [UInt8]) {
        // Digits from the right into a stack buffer, then one append.
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes: a sign and 19 digits fit
        withUnsafeMutableBytes(of: &digits) { d in
            var magnitude = v.magnitude
            var i = d.count
            repeat {
                i -= 1
                d[i] = UInt8(truncatingIfNeeded: magnitude % 10) &+ 0x30
                magnitude /= 10
            } while magnitude > 0
            if v < 0 { i -= 1; d[i] = 0x2D }
            out.append(contentsOf: UnsafeRawBufferPointer(rebasing: d[i...]))
        }
    }

    /// Cents as `units.cc` (`-1.05`, `0.00`), or `null`.
    @inlinable
    static func money(_ cents: Int64?, into out: inout [UInt8]) {
        guard let cents else { out.append("null"); return }
        if cents < 0 { out.append(0x2D) }
        let a = cents.magnitude
        decimal(Int64(a / 100), into: &out)
        out.append(0x2E)
        out.append(UInt8(a % 100 / 10) + 0x30)
        out.append(UInt8(a % 10) + 0x30)
    }
}

extension Array where Element == UInt8 {
    /// Appends a literal's bytes in one copy. (`append(contentsOf: "…".utf8)` is generic over the sequence and
    /// went byte by byte, a cost paid for every literal of every result message.)
    @inlinable
    public mutating func append(_ s: StaticString) {
        append(contentsOf: UnsafeRawBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }

    /// Appends a string's UTF-8 bytes in one copy when it is stored contiguously (native Swift strings are).
    @inlinable
    public mutating func appendUTF8(_ s: String) {
        if s.utf8.withContiguousStorageIfAvailable({ append(contentsOf: $0) }) == nil { append(contentsOf: s.utf8) }
    }
}
