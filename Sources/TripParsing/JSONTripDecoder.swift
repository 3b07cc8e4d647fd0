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
    /// The keys the built-ins read, with their value slots (0 = the time column, then fare, tips, trip_total,
    /// pickup_community_area, pickup_centroid_location).
    let builtinKeys: KeyTable
    /// Those and the layout's columns (a column the built-ins read shares their slot; the others follow).
    let queryKeys: KeyTable
    let timeName: String
    /// The time key alone, at slot 0 (`cutTime`).
    let timeKeyTable: KeyTable
    static let moneyNames = ["fare", "tips", "trip_total"]
    static let builtinSlots = 6
    var scratch: [UInt8] = []
    /// What the SQL queries read (`decode(…texts:…)` fills `row` with it): each column's parser and the slot
    /// of its value (nil for a pseudo-column).
    public let layout: RowLayout
    let queryColumns: [(parser: QueryColumnParser, slot: Int?)]
    /// Where the interned text columns start in `queryColumns` (they come last).
    let firstInterned: Int
    let literals: QueryColumnParser.Literals
    /// The values of `queryKeys`' slots for the message being decoded (kept: no allocation per message). Storage
    /// of its own, read through a pointer: `decode` works on it without a closure, which (capturing the decoder)
    /// copied the whole decoder per message. Copies of a decoder share it: decode with one copy at a time.
    let queryValues: ValueSlots
    /// The last message's columns for the SQL queries (after `decode(…texts:…)`; every column NULL after a
    /// rejection). Reused: reading it allocates nothing.
    public private(set) var row = QueryRow()

    /// Wanted keys and their slots, and a bit per key length among them: most keys in a message are not
    /// wanted, and their length alone rejects them.
    struct KeyTable {
        let keys: [(key: [UInt8], slot: Int)]
        let lengths: UInt64

        init(_ keys: [(key: [UInt8], slot: Int)]) {
            self.keys = keys
            lengths = keys.reduce(0) { $1.key.count < 64 ? $0 | 1 << UInt64($1.key.count) : $0 }
        }

        /// The slot of a wanted key, or nil.
        @inline(__always)
        func slot(_ key: UnsafePointer<UInt8>, _ length: Int) -> Int? {
            guard length < 64, lengths & (1 << UInt64(length)) != 0 else { return nil }
            for w in keys where w.key.count == length && JSONTripDecoder.equal(key, w.key) { return w.slot }
            return nil
        }
    }

    /// Whether `decode` parses the `Trip`'s fields for the built-ins beside the event time. False once the
    /// built-ins run as SQL (issue 16): the message is then read into `row` alone.
    public let parsesTripFields: Bool

    public init(timeColumn: TimeColumn, zone: ZoneRules, layout: RowLayout = RowLayout(), parsesTripFields: Bool = true) {
        self.parsesTripFields = parsesTripFields
        self.timeColumn = timeColumn
        self.zone = zone
        self.layout = layout
        timeKey = TripDecoder.timeColumnName(timeColumn).map { Array($0.utf8) }
        timeName = TripDecoder.timeColumnName(timeColumn) ?? ""
        let fields = ["fare", "tips", "trip_total", "pickup_community_area", "pickup_centroid_location"]
        let builtins = (timeKey.map { [($0, 0)] } ?? []) + fields.enumerated().map { (Array($1.utf8), $0 + 1) }
        builtinKeys = KeyTable(builtins)
        timeKeyTable = KeyTable(timeKey.map { [($0, 0)] } ?? [])
        var keys = builtins
        var columns: [(parser: QueryColumnParser, slot: Int?)] = []
        let (parsers, literals) = QueryColumnParser.all(layout)
        self.literals = literals
        for parser in parsers {
            let key = Array(parser.column.name.utf8)
            if parser.column.isPseudo {
                columns.append((parser, nil))
            } else if let shared = keys.first(where: { $0.0 == key }) {
                columns.append((parser, shared.1))
            } else {
                keys.append((key, Self.builtinSlots + keys.count - builtins.count))
                columns.append((parser, keys.last!.1))
            }
        }
        queryKeys = KeyTable(keys)
        // Text group keys last: a message rejected for another column interns nothing (see `decode`).
        let interned = columns.filter { if case .interned = $0.parser.kind { true } else { false } }
        queryColumns = columns.filter { if case .interned = $0.parser.kind { false } else { true } } + interned
        firstInterned = columns.count - interned.count
        queryValues = ValueSlots(count: Self.builtinSlots + keys.count - builtins.count)
    }

    /// A value's bytes in the message (quotes excluded) and whether it needs unescaping.
    struct Value {
        var start = -1
        var end = -1
        var isString = false
        var escaped = false
        var isNull = true
    }

    /// The message's event time as `run`'s epoch cut reads it on arrival, before the message enters an epoch
    /// (which decodes it whole): the time field's value, the object read only up to that field. Nil when the
    /// object is malformed before it, it is missing, null or not a timestamp (the cut then takes the previous
    /// message's time). Without a time field: the message's timestamp, or `ingestTimeMs` for `ingest`. For a
    /// message the decode accepts, its event time (unless its object repeats the time key: the first counts).
    public func cutTime(_ bytes: UnsafeRawBufferPointer, kafkaTimestampMs: Int64,
                                 ingestTimeMs: EventTime) -> EventTime? {
        guard timeKey != nil else { return timeColumn == .ingest ? ingestTimeMs : kafkaTimestampMs }
        var value = Value()
        let malformed = withUnsafeMutablePointer(to: &value) { scan(bytes, into: $0, keys: timeKeyTable, stopAt: 0) }
        guard malformed == nil, !value.isNull else { return nil }
        let field = slice(bytes, value)
        return (try? FieldParsers.timestamp(field))??.eventTime(in: zone)
    }

    /// Decodes `bytes`. `kafkaTimestampMs` is the message's timestamp, used when the time column is ingest.
    public mutating func decode(_ bytes: UnsafeRawBufferPointer, kafkaTimestampMs: Int64,
                                locations: inout StringInterner) -> DecodeOutcome {
        // time, fare, tips, total, area, location
        var values = (Value(), Value(), Value(), Value(), Value(), Value())
        return withUnsafeMutableBytes(of: &values) { raw in
            let values = raw.baseAddress!.assumingMemoryBound(to: Value.self)
            if let problem = scan(bytes, into: values, keys: builtinKeys) { return .rejected(problem) }
            return trip(bytes, values, fallbackTime: kafkaTimestampMs, locations: &locations)
        }
    }

    /// `decode(_:kafkaTimestampMs:locations:)`, and for a trip also its `layout` columns into `row`: text
    /// interned into `texts` (the engine's `queryTexts`) or coded by literal. A value that does not parse
    /// rejects the message. Here `kafkaTimestampMs` is the message's own timestamp (`kafka_timestamp`) and
    /// `ingestTimeMs` the time it was read (`ingest_time`); the trip's event time, without a time field, is
    /// the one the time column names.
    public mutating func decode(_ bytes: UnsafeRawBufferPointer, kafkaTimestampMs: Int64, ingestTimeMs: EventTime,
                                locations: inout StringInterner, texts: inout StringInterner) -> DecodeOutcome {
        row.clear()
        var columns = RowValues(values: row.values)
        row.values = []
        defer { row.values = columns.values }
        let outcome = decodeColumns(bytes, kafkaTimestampMs: kafkaTimestampMs, ingestTimeMs: ingestTimeMs,
                                    locations: &locations, texts: &texts, into: &columns)
        if case .trip = outcome { row.present = columns.present }
        return outcome
    }

    /// The body of `decode(…texts:…)`: the message scanned into `queryValues`, the trip, then the layout's columns.
    @inline(__always)
    mutating func decodeColumns(_ bytes: UnsafeRawBufferPointer, kafkaTimestampMs: Int64, ingestTimeMs: EventTime,
                                locations: inout StringInterner, texts: inout StringInterner,
                                into columns: inout RowValues) -> DecodeOutcome {
        let values = queryValues.pointer
        for i in 0..<queryValues.count { values[i] = Value() }
        if let problem = scan(bytes, into: values, keys: queryKeys) { return .rejected(problem) }
        let outcome = trip(bytes, values, fallbackTime: timeColumn == .ingest ? ingestTimeMs : kafkaTimestampMs,
                           locations: &locations)
        guard case .trip(let trip) = outcome else { return outcome }
        for i in queryColumns.indices {  // by index: a for-in over the array retained it per message
            if i == firstInterned, let bad = badEscapeInInternedText(bytes, values) { return .rejected(bad) }
            let (parser, slot) = queryColumns[i]
            guard let slot else {
                columns.set(parser.column, parser.kind.isKafkaTimestamp ? kafkaTimestampMs : ingestTimeMs)
                continue
            }
            let v = values[slot]
            guard !v.isNull else { continue }
            if slot == 0 && timeKey != nil {  // the event time, parsed once
                columns.set(parser.column, trip.eventTime)
                continue
            }
            let problem: String?
            if v.escaped {
                if let bad = unescape(slice(bytes, v)) {
                    return .rejected("bad escape \(bad) in \(parser.column.name)")  // the row stays cleared
                }
                problem = scratch.withUnsafeBytes {
                    parser.parse($0, zone: zone, into: &columns, texts: &texts, literals: literals)
                }
            } else {
                problem = parser.parse(slice(bytes, v), zone: zone, into: &columns, texts: &texts,
                                       literals: literals)
            }
            if let problem { return .rejected(problem) }  // the row stays cleared
        }
        return outcome
    }

    /// The first interned text column whose value has a bad escape, worded as its rejection: checked before
    /// any is interned, so that a rejected message interns nothing (the interner keeps every text for the
    /// life of the job). Escapes are rare; unescaped values cost a look each.
    mutating func badEscapeInInternedText(_ bytes: UnsafeRawBufferPointer, _ values: UnsafePointer<Value>) -> String? {
        for i in firstInterned..<queryColumns.count {
            guard let slot = queryColumns[i].slot, values[slot].escaped, !values[slot].isNull else { continue }
            if let bad = unescape(slice(bytes, values[slot])) {
                return "bad escape \(bad) in \(queryColumns[i].parser.column.name)"
            }
        }
        return nil
    }

    /// The trip of a scanned message's built-in values (slots as `builtinKeys`), or why there is none.
    @inline(__always)
    mutating func trip(_ bytes: UnsafeRawBufferPointer, _ values: UnsafePointer<Value>, fallbackTime: Int64,
                       locations: inout StringInterner) -> DecodeOutcome {
        var trip = Trip(eventTime: fallbackTime)
        if timeKey != nil {
            let name = timeName
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
        guard parsesTripFields else { return .trip(trip) }
        for i in 0..<3 {
            let v = values[i + 1]
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
    /// `stopAt`: return nil as soon as that slot's key is found (the rest of the object unread).
    func scan(_ buffer: UnsafeRawBufferPointer, into values: UnsafeMutablePointer<Value>, keys: KeyTable,
              stopAt: Int? = nil) -> String? {
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
            if let slot = keys.slot(p + ks, ke - ks) {
                values[slot] = v
                if slot == stopAt { return nil }
            }
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

/// Storage for a decoder's value slots, allocated once (`JSONTripDecoder.queryValues`).
final class ValueSlots: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<JSONTripDecoder.Value>
    let count: Int

    init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: count)
        pointer.initialize(repeating: JSONTripDecoder.Value(), count: count)
    }

    deinit {
        pointer.deinitialize(count: count)
        pointer.deallocate()
    }
}
