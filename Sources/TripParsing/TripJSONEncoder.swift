import TripCore

/// Turns a portal CSV record into the JSON object the original platform put on its ingest topic:
/// every column under its snake_case name (`Trip Start Timestamp` → `trip_start_timestamp`), numeric
/// columns as JSON numbers (`$7.65` → 7.65), empty fields as null, plus `event_timestamp`.
public struct TripJSONEncoder {
    public let header: CSVHeader
    let keys: [[UInt8]]
    let numeric: [Bool]
    public private(set) var bytes: [UInt8] = []

    static let numericColumns: Set<String> = [
        "trip_seconds", "trip_miles", "pickup_census_tract", "dropoff_census_tract", "pickup_community_area",
        "dropoff_community_area", "fare", "tips", "tolls", "extras", "trip_total", "pickup_centroid_latitude",
        "pickup_centroid_longitude", "dropoff_centroid_latitude", "dropoff_centroid_longitude",
    ]

    public init(header: CSVHeader) {
        self.header = header
        keys = header.normalized.map { Array(("\"" + $0 + "\":").utf8) }
        numeric = header.normalized.map { Self.numericColumns.contains($0) }
        bytes.reserveCapacity(2048)
    }

    /// Encodes one record; `eventTimestamp` (ISO 8601) is added unless the header already has that column.
    /// The result stays in `bytes` until the next call.
    public mutating func encode(_ record: UnsafeRawBufferPointer, fields: CSVFields, eventTimestamp: String?) {
        bytes.removeAll(keepingCapacity: true)
        bytes.append(0x7B)
        var first = true
        for (i, field) in fields.enumerated() where i < keys.count {
            if !first { bytes.append(0x2C) }
            first = false
            bytes.append(contentsOf: keys[i])
            let raw = FieldParsers.trimmed(field.bytes(in: record))
            if raw.isEmpty {
                bytes.append(contentsOf: "null".utf8)
            } else if numeric[i], let number = Self.plainNumber(raw) {
                bytes.append(contentsOf: number)
            } else {
                appendString(raw, escapedQuotes: field.escapedQuotes)
            }
        }
        if let eventTimestamp, header.index(of: "event_timestamp") == nil {
            if !first { bytes.append(0x2C) }
            bytes.append(contentsOf: "\"event_timestamp\":\"".utf8)
            bytes.append(contentsOf: eventTimestamp.utf8)
            bytes.append(0x22)
        }
        bytes.append(0x7D)
    }

    /// `$1,234.50` → `1234.50`, `-$3` → `-3`; nil when the text is not a plain decimal number (it then
    /// stays a JSON string, so nothing is lost).
    static func plainNumber(_ raw: UnsafeRawBufferPointer) -> [UInt8]? {
        var i = 0
        var negative = false
        if raw[i] == 0x2D { negative = true; i += 1 }
        if i < raw.count && raw[i] == 0x24 { i += 1 }
        if !negative && i < raw.count && raw[i] == 0x2D { negative = true; i += 1 }
        var digits: [UInt8] = []
        var dot = false
        while i < raw.count {
            let b = raw[i]
            if b >= 0x30 && b <= 0x39 {
                digits.append(b)
            } else if b == 0x2E && !dot && !digits.isEmpty {
                dot = true
                digits.append(b)
            } else if b != 0x2C || digits.isEmpty || dot {  // commas only as thousands separators
                return nil
            }
            i += 1
        }
        guard let last = digits.last, last != 0x2E else { return nil }
        // JSON forbids leading zeros such as 007 (0.5 is fine).
        if digits.count > 1 && digits[0] == 0x30 && digits[1] != 0x2E { return nil }
        return negative ? [0x2D] + digits : digits
    }

    mutating func appendString(_ raw: UnsafeRawBufferPointer, escapedQuotes: Bool) {
        bytes.append(0x22)
        var i = 0
        while i < raw.count {
            let b = raw[i]
            if escapedQuotes && b == 0x22 && i + 1 < raw.count && raw[i + 1] == 0x22 { i += 1 }  // CSV "" → "
            switch b {
            case 0x22: bytes.append(contentsOf: [0x5C, 0x22])
            case 0x5C: bytes.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: bytes.append(contentsOf: [0x5C, 0x6E])
            case 0x0D: bytes.append(contentsOf: [0x5C, 0x72])
            case 0x09: bytes.append(contentsOf: [0x5C, 0x74])
            case 0..<0x20: bytes.append(contentsOf: Array("\\u00\(b < 16 ? "0" : "")\(String(b, radix: 16))".utf8))
            default: bytes.append(b)
            }
            i += 1
        }
        bytes.append(0x22)
    }
}
