/// A value's type: the catalog's column types, and what results add (`date`, `double`).
public enum ValueType: Sendable, Equatable, Hashable {
    case text
    case integer
    /// Fixed-point: the integer is the value times 10^scale (money is scale 2, integer cents), so sums are exact.
    case decimal(scale: Int)
    /// An instant, as `EventTime` (ms since the Unix epoch, UTC).
    case timestamp
    /// A local calendar day, `YYYY-MM-DD` (results only: `DATE(window_start)`).
    case date
    /// Floating point (results only: `AVG` without `ROUND`, whose quotient is not a fixed-point number).
    case double

    public var isNumeric: Bool {
        switch self {
        case .integer, .decimal: true
        default: false
        }
    }

    /// How an error message names the type.
    public var description: String {
        switch self {
        case .text: "text"
        case .integer: "integer"
        case .decimal(let scale): "decimal(\(scale))"
        case .timestamp: "timestamp"
        case .date: "date"
        case .double: "double"
        }
    }
}

/// The columns a query may name: the portal header's snake_case names, as the original app and `produce` use
/// them, then the time columns a Kafka message or the reader adds. The raw value is the column's index, so the
/// engine can keep a row's columns in an array and a query refers to them without strings.
public enum TripColumn: Int, Sendable, CaseIterable, Hashable {
    case tripID, taxiID, tripStartTimestamp, tripEndTimestamp, tripSeconds, tripMiles
    case pickupCensusTract, dropoffCensusTract, pickupCommunityArea, dropoffCommunityArea
    case fare, tips, tolls, extras, tripTotal, paymentType, company
    case pickupCentroidLatitude, pickupCentroidLongitude, pickupCentroidLocation
    case dropoffCentroidLatitude, dropoffCentroidLongitude, dropoffCentroidLocation
    /// The producer's `event_timestamp` field, where a Kafka message carries it.
    case eventTimestamp
    /// Pseudo-columns: the Kafka message's timestamp, and the wall-clock time the row was read.
    case kafkaTimestamp, ingestTime

    /// Names in case order (`names[column.rawValue]`).
    public static let names = [
        "trip_id", "taxi_id", "trip_start_timestamp", "trip_end_timestamp", "trip_seconds", "trip_miles",
        "pickup_census_tract", "dropoff_census_tract", "pickup_community_area", "dropoff_community_area",
        "fare", "tips", "tolls", "extras", "trip_total", "payment_type", "company",
        "pickup_centroid_latitude", "pickup_centroid_longitude", "pickup_centroid_location",
        "dropoff_centroid_latitude", "dropoff_centroid_longitude", "dropoff_centroid_location",
        "event_timestamp", "kafka_timestamp", "ingest_time",
    ]

    public var name: String { Self.names[rawValue] }

    /// The column of that name (lowercase, as the lexer gives identifiers).
    public init?(name: String) {
        guard let i = Self.names.firstIndex(of: name) else { return nil }
        self.init(rawValue: i)
    }

    public var type: ValueType {
        switch self {
        case .tripID, .taxiID, .paymentType, .company, .pickupCentroidLocation, .dropoffCentroidLocation: .text
        case .tripStartTimestamp, .tripEndTimestamp, .eventTimestamp, .kafkaTimestamp, .ingestTime: .timestamp
        case .tripSeconds, .pickupCensusTract, .dropoffCensusTract, .pickupCommunityArea, .dropoffCommunityArea:
            .integer
        case .tripMiles, .fare, .tips, .tolls, .extras, .tripTotal: .decimal(scale: 2)
        // The portal writes centroids with 9 decimals (41.878865584).
        case .pickupCentroidLatitude, .pickupCentroidLongitude, .dropoffCentroidLatitude, .dropoffCentroidLongitude:
            .decimal(scale: 9)
        }
    }

    /// A pseudo-column exists only as a window's time column: no row field holds it.
    public var isPseudo: Bool { self == .kafkaTimestamp || self == .ingestTime }

    /// The time column a window over this column uses, if it is one (the engine's `TimeColumn`).
    public var timeColumn: TimeColumn? {
        switch self {
        case .tripStartTimestamp: .tripStart
        case .tripEndTimestamp: .tripEnd
        case .eventTimestamp: .eventTimestamp
        case .kafkaTimestamp: .kafkaTimestamp
        case .ingestTime: .ingest
        default: nil
        }
    }

    public init(_ time: TimeColumn) {
        switch time {
        case .tripStart: self = .tripStartTimestamp
        case .tripEnd: self = .tripEndTimestamp
        case .eventTimestamp: self = .eventTimestamp
        case .kafkaTimestamp: self = .kafkaTimestamp
        case .ingest: self = .ingestTime
        }
    }
}
