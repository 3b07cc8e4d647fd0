import TripCore

/// Decodes one Kafka message value — a flat JSON object with the portal's fields in snake_case, as
/// `tripstream produce` (and the original `kafka_producer.py`) write them — into a `Trip`, at byte level.
/// Numbers may be JSON numbers or numeric strings with an optional `$`; timestamps may be portal style,
/// ISO 8601, `YYYY-MM-DD HH:MM:SS[.ffffff]`, or Unix seconds/milliseconds.
public struct JSONTripDecoder {
    public let timeColumn: TimeColumn
    public let zone: ZoneRules
    let timeKey: [UInt8]?
    static let keys: [[UInt8]] = ["fare", "tips", "trip_total", "pickup_community_area", "pickup_centroid_location"]
        .map { Array($0.utf8) }
    var scratch: [UInt8] = []

    public init(timeColumn: TimeColumn, zone: ZoneRules) {
        self.timeColumn = timeColumn
        self.zone = zone
        timeKey = TripDecoder.timeColumnName(timeColumn).map { Array($0.utf8) }
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
        var values = [Value](repeating: Value(), count: 6)  // time, fare, tips, total, area, location
        if let problem = scan(bytes, into: &values) { return .rejected(problem) }
        var trip = Trip(eventTime: kafkaTimestampMs)
        if let timeKey {
            let name = String(decoding: timeKey, as: UTF8.self)
            let v = values[0]
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
        let names = ["fare", "tips", "trip_total"]
        for (i, name) in names.enumerated() where !values[i + 1].isNull {
            let field = slice(bytes, values[i + 1])
            do {
                let cents = try FieldParsers.cents(field)
                switch i {
                case 0: trip.fareCents = cents
                case 1: trip.tipsCents = cents
                default: trip.tripTotalCents = cents
                }
            } catch {
                return .rejected("non-numeric \(name) \"\(String(decoding: field, as: UTF8.self))\"")
            }
        }
        if !values[4].isNull {
            let field = slice(bytes, values[4])
            do {
                if let area = try FieldParsers.integer(field) {
                    guard area >= 0 && area <= Int64(Int32.max) else { return .rejected("pickup_community_area out of range: \(area)") }
                    trip.communityArea = Int32(area)
                }
            } catch {
                return .rejected("non-integer pickup_community_area \"\(String(decoding: field, as: UTF8.self))\"")
            }
        }
        if !values[5].isNull {
            let v = values[5]
            let field = FieldParsers.trimmed(slice(bytes, v))
            if !field.isEmpty {
                if v.escaped {
                    unescape(field)
                    trip.pickupLocation = scratch.withUnsafeBytes { locations.intern($0) }
                } else {
                    trip.pickupLocation = locations.intern(field)
                }
            }
        }
        return .trip(trip)
    }

    func slice(_ bytes: UnsafeRawBufferPointer, _ v: Value) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: bytes[v.start..<v.end])
    }

    /// Scans a flat object, recording the wanted keys' values; nil when well formed, else the problem.
    func scan(_ p: UnsafeRawBufferPointer, into values: inout [Value]) -> String? {
        var i = 0
        func skipSpace() { while i < p.count && (p[i] == 0x20 || p[i] == 0x09 || p[i] == 0x0A || p[i] == 0x0D) { i += 1 } }
        /// Reads a string starting at the quote; returns its content range and whether it has escapes.
        func string() -> (Int, Int, Bool)? {
            guard i < p.count && p[i] == 0x22 else { return nil }
            i += 1
            let start = i
            var escaped = false
            while i < p.count && p[i] != 0x22 {
                if p[i] == 0x5C { escaped = true; i += 1 }
                i += 1
            }
            guard i < p.count else { return nil }
            let end = i
            i += 1
            return (start, end, escaped)
        }
        skipSpace()
        guard i < p.count && p[i] == 0x7B else { return "not a JSON object" }
        i += 1
        skipSpace()
        if i < p.count && p[i] == 0x7D { i += 1; skipSpace(); return i == p.count ? nil : "text after the JSON object" }
        while true {
            skipSpace()
            guard let (ks, ke, _) = string() else { return "malformed JSON at byte \(i): expected a key" }
            skipSpace()
            guard i < p.count && p[i] == 0x3A else { return "malformed JSON at byte \(i): expected ':'" }
            i += 1
            skipSpace()
            guard i < p.count else { return "malformed JSON: truncated" }
            var v = Value()
            if p[i] == 0x22 {
                guard let (s, e, esc) = string() else { return "malformed JSON at byte \(i): unterminated string" }
                v = Value(start: s, end: e, isString: true, escaped: esc, isNull: false)
            } else if p[i] == 0x7B || p[i] == 0x5B {
                return "nested JSON values are not trip fields (byte \(i))"
            } else {
                let s = i
                while i < p.count && p[i] != 0x2C && p[i] != 0x7D && p[i] != 0x20 && p[i] != 0x0A && p[i] != 0x0D && p[i] != 0x09 { i += 1 }
                let token = UnsafeRawBufferPointer(rebasing: p[s..<i])
                if token.elementsEqual("null".utf8) {
                    v = Value()
                } else if token.elementsEqual("true".utf8) || token.elementsEqual("false".utf8) || !token.isEmpty {
                    v = Value(start: s, end: i, isString: false, escaped: false, isNull: false)
                } else {
                    return "malformed JSON at byte \(s): expected a value"
                }
            }
            let key = UnsafeRawBufferPointer(rebasing: p[ks..<ke])
            if let timeKey, key.elementsEqual(timeKey) {
                values[0] = v
            } else if let k = Self.keys.firstIndex(where: { key.elementsEqual($0) }) {
                values[k + 1] = v
            }
            skipSpace()
            guard i < p.count else { return "malformed JSON: truncated" }
            if p[i] == 0x2C { i += 1; continue }
            if p[i] == 0x7D {
                i += 1
                skipSpace()
                return i == p.count ? nil : "text after the JSON object"
            }
            return "malformed JSON at byte \(i): expected ',' or '}'"
        }
    }

    /// JSON string escapes (\" \\ \/ \b \f \n \r \t \uXXXX) into `scratch`.
    mutating func unescape(_ s: UnsafeRawBufferPointer) {
        scratch.removeAll(keepingCapacity: true)
        var i = 0
        while i < s.count {
            guard s[i] == 0x5C, i + 1 < s.count else { scratch.append(s[i]); i += 1; continue }
            let c = s[i + 1]
            i += 2
            switch c {
            case 0x6E: scratch.append(0x0A)
            case 0x74: scratch.append(0x09)
            case 0x72: scratch.append(0x0D)
            case 0x62: scratch.append(0x08)
            case 0x66: scratch.append(0x0C)
            case 0x75 where i + 4 <= s.count:
                let hex = String(decoding: s[i..<i + 4], as: UTF8.self)
                i += 4
                if let code = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(code) {
                    scratch.append(contentsOf: Array(String(Character(scalar)).utf8))
                }
            default: scratch.append(c)
            }
        }
    }
}
