import TripCore

/// One result message (key and JSON value) built in reused byte buffers: no String per field, no
/// allocation per message once the buffers have grown.
struct ResultMessageBuilder {
    var key: [UInt8] = []
    var value: [UInt8] = []
    /// `{"tenant":…` and each query's key prefix `<tenant>|<query>|`, made once.
    let tenantField: [UInt8]
    let keyPrefixes: PerQuery<[UInt8]>

    init(tenant: String) {
        tenantField = Array("{\"tenant\":\(JSONText.string(tenant))".utf8)
        keyPrefixes = PerQuery { Array("\(tenant)|\($0.rawValue)|".utf8) }
    }

    /// `,"window":{…},"window_start":…,"window_end":…` of the last window seen (consecutive rows share it).
    var windowFragment: [UInt8] = []
    var fragmentWindow: (EventTime, EventTime) = (.min, .min)

    /// Key `<start>|<end>` and value `{"tenant":…,"window":…,"window_start":…,"window_end":…`.
    mutating func begin(_ query: QueryName, windowStart: EventTime, windowEnd: EventTime) {
        let start = floorDiv(windowStart, 1000), end = floorDiv(windowEnd, 1000)
        beginKey(query)
        MessageBytes.decimal(start, into: &key)
        key.append(0x7C)
        MessageBytes.decimal(end, into: &key)
        beginValue()
        if fragmentWindow != (windowStart, windowEnd) {
            fragmentWindow = (windowStart, windowEnd)
            windowFragment.removeAll(keepingCapacity: true)
            windowFragment.append(contentsOf: ",\"window\":{\"start\":\"\(CivilDate.isoUTC(seconds: start))\",\"end\":\"\(CivilDate.isoUTC(seconds: end))\"}".utf8)
            windowFragment.append(contentsOf: ",\"window_start\":".utf8)
            MessageBytes.decimal(start, into: &windowFragment)
            windowFragment.append(contentsOf: ",\"window_end\":".utf8)
            MessageBytes.decimal(end, into: &windowFragment)
        }
        value.append(contentsOf: windowFragment)
    }

    mutating func beginKey(_ query: QueryName) {
        key.removeAll(keepingCapacity: true)
        key.append(contentsOf: keyPrefixes[query])
    }

    mutating func beginValue() {
        value.removeAll(keepingCapacity: true)
        value.append(contentsOf: tenantField)
    }

    mutating func name(_ field: StaticString) {
        value.append(contentsOf: ",\"".utf8)
        value.append(contentsOf: UnsafeRawBufferPointer(start: field.utf8Start, count: field.utf8CodeUnitCount))
        value.append(contentsOf: "\":".utf8)
    }

    mutating func integer(_ field: StaticString, _ v: Int64) {
        name(field)
        MessageBytes.decimal(v, into: &value)
    }

    mutating func money(_ field: StaticString, _ cents: Int64?) {
        name(field)
        MessageBytes.money(cents, into: &value)
    }

    mutating func text(_ field: StaticString, _ s: String) {
        name(field)
        JSONText.append(s, to: &value)
    }
}

/// Number text straight into bytes.
enum MessageBytes {
    static func decimal(_ v: Int64, into out: inout [UInt8]) {
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
    static func money(_ cents: Int64?, into out: inout [UInt8]) {
        guard let cents else { out.append(contentsOf: "null".utf8); return }
        if cents < 0 { out.append(0x2D) }
        let a = cents.magnitude
        decimal(Int64(a / 100), into: &out)
        out.append(0x2E)
        out.append(UInt8(a % 100 / 10) + 0x30)
        out.append(UInt8(a % 10) + 0x30)
    }
}
