/// Milliseconds since the Unix epoch, UTC. All event times and window bounds inside the engine use it.
public typealias EventTime = Int64

/// Interned id of a pickup centroid location string (see `StringInterner`).
public typealias LocationID = Int32

/// One decoded taxi trip: only what the four queries need, as plain integers.
/// Money is integer cents so sums are exact; a nil field is SQL NULL (excluded from sums/averages/hotspots).
public struct Trip: Sendable, Equatable {
    public var eventTime: EventTime
    public var fareCents: Int64?
    public var tipsCents: Int64?
    public var tripTotalCents: Int64?
    public var communityArea: Int32?
    public var pickupLocation: LocationID?

    public init(eventTime: EventTime, fareCents: Int64? = nil, tipsCents: Int64? = nil,
                tripTotalCents: Int64? = nil, communityArea: Int32? = nil, pickupLocation: LocationID? = nil) {
        self.eventTime = eventTime
        self.fareCents = fareCents
        self.tipsCents = tipsCents
        self.tripTotalCents = tripTotalCents
        self.communityArea = communityArea
        self.pickupLocation = pickupLocation
    }
}

/// A record that was not processed, with the reason. Never dropped: it ends in the `dead_letters` table.
public struct DeadLetter: Sendable, Equatable {
    /// Built-in query that judged the row late, or nil for rows rejected before any query saw them (and for
    /// rows a SQL query judged late: `userQuery`).
    public var query: QueryName?
    /// The SQL query (`queries.<name>`) that judged the row late.
    public var userQuery: String?
    public var offset: Int64
    /// `late` for late rows; otherwise what is wrong with the record, precisely.
    public var reason: String
    /// For late rows: the event time and the watermark it was behind.
    public var detail: String
    /// The record as read (line terminator excluded); bytes that are not UTF-8 read as U+FFFD here.
    public var raw: String
    /// The record's exact bytes when they are not valid UTF-8 (nil when `raw` holds them exactly).
    public var rawBytes: [UInt8]?
    /// Where it came from when that is not the epoch's source (a Kafka message: `topic[partition]`).
    public var source: String?

    public init(query: QueryName?, offset: Int64, reason: String, detail: String = "", raw: String,
                rawBytes: [UInt8]? = nil, source: String? = nil, userQuery: String? = nil) {
        self.userQuery = userQuery
        self.source = source
        self.rawBytes = rawBytes
        self.query = query
        self.offset = offset
        self.reason = reason
        self.detail = detail
        self.raw = raw
    }

    /// The query's name as the mirror and the dead-letter topic show it: '' for a rejected record.
    public var queryName: String { query?.rawValue ?? userQuery ?? "" }

    /// A record's bytes as a dead letter keeps them: the text, and the bytes too when they are not UTF-8.
    public static func raw(of bytes: UnsafeRawBufferPointer) -> (text: String, bytes: [UInt8]?) {
        if let text = String(validating: bytes, as: UTF8.self) { return (text, nil) }
        return (String(decoding: bytes, as: UTF8.self), Array(bytes))
    }
}
