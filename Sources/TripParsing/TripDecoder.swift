import TripCore

/// A header that cannot feed the queries (e.g. no column for the configured event time).
public struct HeaderError: Error, CustomStringConvertible {
    public let description: String
}

/// Turns one tokenized CSV record into a `Trip`, or a precise reason why it cannot be processed.
public enum DecodeOutcome: Equatable {
    case trip(Trip)
    case rejected(String)
}

/// Maps columns by header name and parses the fields the four built-ins need (and a `RowLayout`'s columns for the SQL queries), at byte level.
public struct TripDecoder {
    public let header: CSVHeader
    public let timeColumn: TimeColumn
    public let zone: ZoneRules
    /// Columns the queries use that this header lacks: every row has them empty (NULL).
    public let absentColumns: [String]
    let time: Int?
    let fare: Int?
    let tips: Int?
    let tripTotal: Int?
    let communityArea: Int?
    let location: Int?
    let now: @Sendable () -> EventTime
    var scratch: [UInt8] = []
    /// What the SQL queries read (`decode(…texts:…)` fills `row` with it).
    public let layout: RowLayout
    /// `layout` compiled against `header`: a step per column with a field (absent columns are NULL in every row).
    let plan: CSVRowPlan
    /// The last record's columns for the SQL queries (after `decode(…texts:…)`; every column NULL after a
    /// rejection). Reused: reading it allocates nothing.
    public private(set) var row = QueryRow()
    /// Whether `decode` parses the `Trip`'s fields for the built-ins beside the event time. False once the
    /// built-ins run as SQL (issue 16): the record is then read into `row` alone.
    public let parsesTripFields: Bool

    public static func timeColumnName(_ column: TimeColumn) -> String? {
        switch column {
        case .tripStart: "trip_start_timestamp"
        case .tripEnd: "trip_end_timestamp"
        case .eventTimestamp: "event_timestamp"
        case .ingest, .kafkaTimestamp: nil
        }
    }

    public init(header: CSVHeader, timeColumn: TimeColumn, zone: ZoneRules, layout: RowLayout = RowLayout(),
                parsesTripFields: Bool = true, now: @escaping @Sendable () -> EventTime = { 0 }) throws {
        self.header = header
        self.parsesTripFields = parsesTripFields
        self.layout = layout
        self.timeColumn = timeColumn
        self.zone = zone
        self.now = now
        if let name = Self.timeColumnName(timeColumn) {
            guard let i = header.index(of: name) else {
                throw HeaderError(description: "the CSV header has no \(name) column (the event time for "
                    + "time_column=\(timeColumn.rawValue)); columns found: \(header.names.joined(separator: ", ").shortenedForMessage())")
            }
            time = i
        } else {
            time = nil
        }
        let wanted = ["fare", "tips", "trip_total", "pickup_community_area", "pickup_centroid_location"]
        let found = wanted.map { header.index(of: $0) }
        (fare, tips, tripTotal, communityArea, location) = (found[0], found[1], found[2], found[3], found[4])
        plan = CSVRowPlan(layout: layout, header: header, timeField: time, ingestTimeIsEventTime: timeColumn == .ingest,
                          zone: zone)
        let absent = zip(wanted, found).filter { $0.1 == nil }.map(\.0)
        absentColumns = absent + layout.columns.filter { !$0.isPseudo && header.index(of: $0.name) == nil }.map(\.name)
            .filter { !absent.contains($0) }
    }

    /// `decode(_:fields:locations:knownEventTime:)`, and for a trip also its `layout` columns into `row`:
    /// text interned into `texts` (the engine's `queryTexts`) or coded by literal. A value that does not parse
    /// rejects the record. `kafkaTimestampMs`: the message's timestamp, for a CSV line of a Kafka message
    /// (nil in a replay: `kafka_timestamp` is NULL). Without `parsesTripFields`, `decodeRow` (no location is
    /// interned).
    public mutating func decode(_ record: UnsafeRawBufferPointer, fields: CSVFields, locations: inout StringInterner,
                                texts: inout StringInterner, knownEventTime: EventTime? = nil,
                                kafkaTimestampMs: EventTime? = nil) -> DecodeOutcome {
        guard parsesTripFields else {
            return decodeRow(record, fields: fields, texts: &texts, knownEventTime: knownEventTime,
                             kafkaTimestampMs: kafkaTimestampMs)
        }
        row.clear()
        let outcome = decode(record, fields: fields, locations: &locations, knownEventTime: knownEventTime)
        guard case .trip(let trip) = outcome else { return outcome }
        return decodeColumns(record, fields: fields, texts: &texts, trip: trip, kafkaTimestampMs: kafkaTimestampMs)
    }

    /// The row-only decode (a decoder made with `parsesTripFields` false), as the engine takes records: the field
    /// count, the event time, then the layout's columns into `row`; the trip carries only its event time.
    public mutating func decodeRow(_ record: UnsafeRawBufferPointer, fields: CSVFields, texts: inout StringInterner,
                                   knownEventTime: EventTime? = nil, kafkaTimestampMs: EventTime? = nil) -> DecodeOutcome {
        precondition(!parsesTripFields, "decodeRow is the row-only decode")
        row.clear()
        guard fields.count == header.count else { return fieldCountRejection(fields.count) }
        switch recordEventTime(record, fields: fields, known: knownEventTime) {
        case .success(let t):
            return decodeColumns(record, fields: fields, texts: &texts, trip: Trip(eventTime: t),
                                 kafkaTimestampMs: kafkaTimestampMs)
        case .failure(let rejection):
            return .rejected(rejection.reason)
        }
    }

    /// The layout's columns of a record whose trip (or event time) is decoded, into `row` (cleared).
    @inline(__always)
    mutating func decodeColumns(_ record: UnsafeRawBufferPointer, fields: CSVFields, texts: inout StringInterner,
                                trip: Trip, kafkaTimestampMs: EventTime?) -> DecodeOutcome {
        var values = row.values
        row.values = []
        defer { row.values = values }
        let eventTime = trip.eventTime
        let plan = self.plan
        let ingestTime = plan.readsClock ? now() : 0
        let decoded = plan.steps.withUnsafeBufferPointer { steps in
            fields.withUnsafeBufferPointer { fields in
                values.withUnsafeMutableBufferPointer { values in
                    plan.decode(steps, fields: fields, record: record, into: values.baseAddress!, texts: &texts,
                                eventTime: eventTime, kafkaTimestampMs: kafkaTimestampMs, ingestTime: ingestTime)
                }
            }
        }
        guard decoded.failedStep < 0 else {  // the row stays cleared
            return .rejected(plan.rejection(step: decoded.failedStep, fields: fields, record: record, texts: &texts))
        }
        row.present = decoded.present
        return .trip(trip)
    }

    /// Decodes a record given its bytes and field bounds. Locations are interned into `locations`.
    /// `knownEventTime`: what `eventTime(_:fields:)` gave for this record, if it was asked (not parsed again).
    public mutating func decode(_ record: UnsafeRawBufferPointer, fields: CSVFields,
                                locations: inout StringInterner, knownEventTime: EventTime? = nil) -> DecodeOutcome {
        guard fields.count == header.count else { return fieldCountRejection(fields.count) }
        var trip = Trip(eventTime: 0)
        switch recordEventTime(record, fields: fields, known: knownEventTime) {
        case .success(let t): trip.eventTime = t
        case .failure(let rejection): return .rejected(rejection.reason)
        }
        do {
            if let fare { trip.fareCents = try FieldParsers.cents(fields[fare].bytes(in: record)) }
        } catch { return nonNumeric(fare!, record, fields) }
        do {
            if let tips { trip.tipsCents = try FieldParsers.cents(fields[tips].bytes(in: record)) }
        } catch { return nonNumeric(tips!, record, fields) }
        do {
            if let tripTotal { trip.tripTotalCents = try FieldParsers.cents(fields[tripTotal].bytes(in: record)) }
        } catch { return nonNumeric(tripTotal!, record, fields) }
        if let communityArea {
            do {
                if let area = try FieldParsers.integer(fields[communityArea].bytes(in: record)) {
                    guard area >= 0 && area <= Int64(Int32.max) else {
                        return .rejected("\(header.names[communityArea]) out of range: \(area)")
                    }
                    trip.communityArea = Int32(area)
                }
            } catch {
                return .rejected("non-integer \(header.names[communityArea]) \""
                    + fields[communityArea].string(in: record) + "\"")
            }
        }
        if let location {
            let field = fields[location]
            let bytes = FieldParsers.trimmed(field.bytes(in: record))
            if !bytes.isEmpty {
                if field.escapedQuotes {
                    trip.pickupLocation = internUnescaped(bytes, into: &locations)
                } else {
                    trip.pickupLocation = locations.intern(bytes)
                }
            }
        }
        return .trip(trip)
    }

    func fieldCountRejection(_ count: Int) -> DecodeOutcome {
        .rejected("expected \(header.count) fields as in the header, found \(count)")
    }

    /// A record's event time: `known` when given (an event-time sort parsed it already), else its time field's,
    /// else (an ingest-time replay) the clock's.
    @inline(__always)
    func recordEventTime(_ record: UnsafeRawBufferPointer, fields: CSVFields,
                         known: EventTime?) -> Result<EventTime, EventTimeRejection> {
        guard let time else { return .success(now()) }
        if let known { return .success(known) }
        let f = fields[time].bytes(in: record)
        do {
            guard let ts = try FieldParsers.timestamp(f) else {
                return .failure(.init(reason: "missing \(header.names[time]) (the event time)"))
            }
            return .success(ts.eventTime(in: zone))
        } catch {
            guard case .badTimestamp(let detail) = error else { return .failure(.init(reason: "bad timestamp")) }
            return .failure(.init(reason: "bad \(header.names[time]) \"\(String(decoding: f, as: UTF8.self))\": \(detail)"))
        }
    }

    struct EventTimeRejection: Error {
        let reason: String
    }

    /// The event time alone (the sort key of `--order event-time`); nil when `decode` would reject the
    /// record for its field count or time. Ingest-time replays have no such key.
    public func eventTime(_ record: UnsafeRawBufferPointer, fields: CSVFields) -> EventTime? {
        guard fields.count == header.count, let time else { return nil }
        guard let ts = try? FieldParsers.timestamp(fields[time].bytes(in: record)) else { return nil }
        return ts.eventTime(in: zone)
    }

    func nonNumeric(_ index: Int, _ record: UnsafeRawBufferPointer, _ fields: CSVFields) -> DecodeOutcome {
        .rejected("non-numeric \(header.names[index]) \"\(fields[index].string(in: record))\"")
    }

    mutating func internUnescaped(_ bytes: UnsafeRawBufferPointer, into locations: inout StringInterner) -> LocationID {
        unescapeQuotes(bytes)
        return scratch.withUnsafeBytes { locations.intern($0) }
    }

    /// A quoted field's content with each `""` as one quote, into `scratch`.
    mutating func unescapeQuotes(_ bytes: UnsafeRawBufferPointer) {
        scratch.removeAll(keepingCapacity: true)
        Self.appendUnescaped(bytes, to: &scratch)
    }

    /// A quoted field's content with each `""` as one quote (a rare field: allocates).
    static func unescapingQuotes(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var out: [UInt8] = []
        appendUnescaped(bytes, to: &out)
        return out
    }

    static func appendUnescaped(_ bytes: UnsafeRawBufferPointer, to out: inout [UInt8]) {
        var i = 0
        while i < bytes.count {
            out.append(bytes[i])
            i += (bytes[i] == 0x22 && i + 1 < bytes.count && bytes[i + 1] == 0x22) ? 2 : 1
        }
    }
}
