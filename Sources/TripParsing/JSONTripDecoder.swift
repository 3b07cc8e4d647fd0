#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TripCore

/// Decodes one Kafka message value — a flat JSON object with the portal's fields in snake_case, as
/// `tripstream produce` (and the original `kafka_producer.py`) write them — into a `Trip`, at byte level.
/// Numbers may be JSON numbers or numeric strings with an optional `$`; timestamps may be portal style,
/// ISO 8601, `YYYY-MM-DD HH:MM:SS[.ffffff]`, or Unix seconds/milliseconds.
public struct JSONTripDecoder {
    public let timeColumn: TimeColumn
    public let zone: ZoneRules
    let timeKey: [UInt8]?
    /// The wanted keys with their value slots (0 = the time column, then fare, tips, trip_total,
    /// pickup_community_area, pickup_centroid_location), and a bit per key length among them: most keys in a
    /// message are not wanted, and their length alone rejects them.
    let wanted: [(key: [UInt8], slot: Int)]
    let wantedLengths: UInt64
    let timeName: String
    static let moneyNames = ["fare", "tips", "trip_total"]
    var scratch: [UInt8] = []

    public init(timeColumn: TimeColumn, zone: ZoneRules) {
        self.timeColumn = timeColumn
        self.zone = zone
        timeKey = TripDecoder.timeColumnName(timeColumn).map { Array($0.utf8) }
        timeName = TripDecoder.timeColumnName(timeColumn) ?? ""
        let fields = ["fare", "tips", "trip_total", "pickup_community_area", "pickup_centroid_location"]
        wanted = (timeKey.map { [($0, 0)] } ?? []) + fields.enumerated().map { (Array($1.utf8), $0 + 1) }
        wantedLengths = wanted.reduce(0) { $1.key.count < 64 ? $0 | 1 << UInt64($1.key.count) : $0 }
    }

    /// A value's bytes in the message (quotes excluded) and whether it needs unescaping.
    struct Value {
        var start = -1
        var end = -1
        var isString = false
        var escaped = false
        var isNull = true
    }

    /// Decodes `bytes`. `kafkaTimestampMs` is the message's timestamp, used when the time column is ingest.
    public mutating func decode(_ bytes: UnsafeRawBufferPointer, kafkaTimestampMs: Int64,
                                locations: inout StringInterner) -> DecodeOutcome {
        // time, fare, tips, total, area, location
        var values = (Value(), Value(), Value(), Value(), Value(), Value())
        let problem = withUnsafeMutableBytes(of: &values) { scan(bytes, into: $0.baseAddress!.assumingMemoryBound(to: Value.self)) }
        if let problem { return .rejected(problem) }
        var trip = Trip(eventTime: kafkaTimestampMs)
        if timeKey != nil {
            let name = timeName
            let v = values.0
            guard !v.isNull else { return .rejected("missing \(name) (the event time)") }
            let field = slice(bytes, v)
            do {
                guard let ts = try FieldParsers.timestamp(field) else { return .rejected("missing \(name) (the event time)") }
                trip.eventTime = ts.eventTime(in: zone)
            } catch {
                guard case .badTimestamp(let detail) = error else { return .rejected("bad \(name)") }
                return .rejected("bad \(name) \"\(String(decoding: field, as: UTF8.self))\": \(detail)")
            }
        }
        for i in 0..<3 {
            let v = i == 0 ? values.1 : i == 1 ? values.2 : values.3
            guard !v.isNull else { continue }
            let field = slice(bytes, v)
            do {
                let cents = try FieldParsers.cents(field)
                switch i {
                case 0: trip.fareCents = cents
                case 1: trip.tipsCents = cents
                default: trip.tripTotalCents = cents
                }
            } catch {
                return .rejected("non-numeric \(Self.moneyNames[i]) \"\(String(decoding: field, as: UTF8.self))\"")
            }
        }
        if !values.4.isNull {
            let field = slice(bytes, values.4)
            do {
                if let area = try FieldParsers.integer(field) {
                    guard area >= 0 && area <= Int64(Int32.max) else { return .rejected("pickup_community_area out of range: \(area)") }
                    trip.communityArea = Int32(area)
                }
            } catch {
                return .rejected("non-integer pickup_community_area \"\(String(decoding: field, as: UTF8.self))\"")
            }
        }
        if !values.5.isNull {
            let v = values.5
            if v.escaped {
                // Trimmed after unescaping: an escaped space at an end goes as a plain one does.
                if let bad = unescape(slice(bytes, v)) {
                    return .rejected("bad escape \(bad) in pickup_centroid_location")
                }
                trip.pickupLocation = scratch.withUnsafeBytes { raw in
                    let field = FieldParsers.trimmed(raw)
                    return field.isEmpty ? nil : locations.intern(field)
                }
            } else {
                let field = FieldParsers.trimmed(slice(bytes, v))
                if !field.isEmpty { trip.pickupLocation = locations.intern(field) }
            }
        }
        return .trip(trip)
    }

    func slice(_ bytes: UnsafeRawBufferPointer, _ v: Value) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[v.start..<v.end])
    }

    /// Scans a flat object, recording the wanted keys' values; nil when well formed, else the problem.
    /// Byte level on a raw pointer: strings are skipped eight bytes at a time, keys are matched by length
    /// before bytes (most keys are not wanted), nothing is allocated unless the object is malformed.
    func scan(_ buffer: UnsafeRawBufferPointer, into values: UnsafeMutablePointer<Value>) -> String? {
        guard let p = buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) else { return "not a JSON object" }
        let n = buffer.count
        var i = 0
        Self.skipSpace(p, n, &i)
        guard i < n && p[i] == 0x7B else { return "not a JSON object" }
        i += 1
        Self.skipSpace(p, n, &i)
        if i < n && p[i] == 0x7D { i += 1; Self.skipSpace(p, n, &i); return i == n ? nil : "text after the JSON object" }
        while true {
            Self.skipSpace(p, n, &i)
            guard i < n && p[i] == 0x22, let (ks, ke, _) = Self.string(p, n, &i) else {
                return "malformed JSON at byte \(i): expected a key"
            }
            Self.skipSpace(p, n, &i)
            guard i < n && p[i] == 0x3A else { return "malformed JSON at byte \(i): expected ':'" }
            i += 1
            Self.skipSpace(p, n, &i)
            guard i < n else { return "malformed JSON: truncated" }
            var v = Value()
            if p[i] == 0x22 {
                guard let (s, e, esc) = Self.string(p, n, &i) else { return "malformed JSON at byte \(i): unterminated string" }
                v = Value(start: s, end: e, isString: true, escaped: esc, isNull: false)
            } else if p[i] == 0x7B || p[i] == 0x5B {
                return "nested JSON values are not trip fields (byte \(i))"
            } else {
                let s = i
                while i < n && p[i] != 0x2C && p[i] != 0x7D && p[i] != 0x20 && p[i] != 0x0A && p[i] != 0x0D && p[i] != 0x09 { i += 1 }
                if i == s { return "malformed JSON at byte \(s): expected a value" }
                // `null` leaves the value missing; true, false and numbers are checked where used.
                if !(i - s == 4 && p[s] == 0x6E && p[s + 1] == 0x75 && p[s + 2] == 0x6C && p[s + 3] == 0x6C) {
                    v = Value(start: s, end: i, isString: false, escaped: false, isNull: false)
                }
            }
            if let slot = wantedSlot(p + ks, ke - ks) { values[slot] = v }
            Self.skipSpace(p, n, &i)
            guard i < n else { return "malformed JSON: truncated" }
            if p[i] == 0x2C { i += 1; continue }
            if p[i] == 0x7D {
                i += 1
                Self.skipSpace(p, n, &i)
                return i == n ? nil : "text after the JSON object"
            }
            return "malformed JSON at byte \(i): expected ',' or '}'"
        }
    }

    /// The slot of a wanted key (see `wanted`), or nil.
    @inline(__always)
    func wantedSlot(_ key: UnsafePointer<UInt8>, _ length: Int) -> Int? {
        guard length < 64, wantedLengths & (1 << UInt64(length)) != 0 else { return nil }
        for w in wanted where w.key.count == length && Self.equal(key, w.key) { return w.slot }
        return nil
    }

    @inline(__always)
    static func equal(_ a: UnsafePointer<UInt8>, _ b: [UInt8]) -> Bool {
        b.withUnsafeBufferPointer { memcmp(a, $0.baseAddress!, $0.count) == 0 }
    }

    @inline(__always)
    static func skipSpace(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int) {
        while i < n && (p[i] == 0x20 || p[i] == 0x09 || p[i] == 0x0A || p[i] == 0x0D) { i += 1 }
    }

    /// Reads a string starting at its opening quote: its content range and whether it has escapes.
    /// Finds the next quote or backslash eight bytes at a time (the "has zero byte" trick, as the CSV scan).
    @inline(__always)
    static func string(_ p: UnsafePointer<UInt8>, _ n: Int, _ i: inout Int) -> (Int, Int, Bool)? {
        i += 1
        let start = i
        var escaped = false
        let ones: UInt64 = 0x0101_0101_0101_0101, highs: UInt64 = 0x8080_8080_8080_8080
        while true {
            while i + 8 <= n {
                let w = UInt64(littleEndian: UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self))
                let q = w ^ (ones &* 0x22), b = w ^ (ones &* 0x5C)
                let hits = ((q &- ones) & ~q | (b &- ones) & ~b) & highs
                if hits != 0 { i += hits.trailingZeroBitCount >> 3; break }
                i += 8
            }
            while i < n && p[i] != 0x22 && p[i] != 0x5C { i += 1 }
            guard i < n else { i = n; return nil }
            if p[i] == 0x22 { break }
            escaped = true
            i += 2  // the backslash and the escaped byte
        }
        let end = i
        i += 1
        return (start, end, escaped)
    }

    /// JSON string escapes (\" \\ \/ \b \f \n \r \t \uXXXX, a surrogate pair as one character) into
    /// `scratch`. Returns the first bad escape's text, if any: JSON has no other escapes, and a guess at what
    /// one meant would store a location the producer never wrote, so the message is rejected instead.
    mutating func unescape(_ s: UnsafeRawBufferPointer) -> String? {
        scratch.removeAll(keepingCapacity: true)
        func text(_ i: Int, _ length: Int) -> String { String(decoding: s[i..<min(i + length, s.count)], as: UTF8.self) }
        var i = 0
        while i < s.count {
            guard s[i] == 0x5C else { scratch.append(s[i]); i += 1; continue }
            guard i + 1 < s.count else { return text(i, 1) }
            switch s[i + 1] {
            case 0x22, 0x5C, 0x2F: scratch.append(s[i + 1])
            case 0x62: scratch.append(0x08)
            case 0x66: scratch.append(0x0C)
            case 0x6E: scratch.append(0x0A)
            case 0x72: scratch.append(0x0D)
            case 0x74: scratch.append(0x09)
            case 0x75:
                guard var code = Self.hex4(s, at: i + 2) else { return text(i, 6) }
                var length = 6
                if code >= 0xD800 && code < 0xDC00 {  // a high surrogate: only with a low one after it
                    guard i + 8 < s.count, s[i + 6] == 0x5C, s[i + 7] == 0x75, let low = Self.hex4(s, at: i + 8),
                          low >= 0xDC00 && low < 0xE000 else { return text(i, 6) }
                    code = 0x10000 + (code - 0xD800) << 10 + (low - 0xDC00)
                    length = 12
                }
                guard let scalar = Unicode.Scalar(code) else { return text(i, 6) }  // a lone low surrogate
                UTF8.encode(scalar) { scratch.append($0) }
                i += length
                continue
            default: return text(i, 2)
            }
            i += 2
        }
        return nil
    }

    /// The value of four hex digits at `at`, or nil.
    static func hex4(_ s: UnsafeRawBufferPointer, at: Int) -> UInt32? {
        guard at + 4 <= s.count else { return nil }
        var value: UInt32 = 0
        for k in at..<at + 4 {
            let c = s[k]
            let digit: UInt8
            switch c {
            case 0x30...0x39: digit = c - 0x30
            case 0x41...0x46: digit = c - 0x41 + 10
            case 0x61...0x66: digit = c - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}
