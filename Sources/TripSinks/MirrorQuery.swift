import TripCore
import TripSQLite

/// Reads one query's results from the mirror, with the filters of `tripstream query` (and the HTTP API).
public struct MirrorQuery: Sendable {
    public var query: QueryName
    public var tenant: String
    /// Window start (Unix seconds) at or after; for `trips_total`, the day of this instant or later.
    public var from: Int64?
    /// Window start before; for `trips_total`, days before the day of this instant.
    public var to: Int64?
    /// Hotspots: the N largest counts in each window. Others: the N windows/days with the largest total.
    public var top: Int?
    public var limit: Int?
    /// Rows to skip (paging, with `limit`).
    public var offset: Int?
    public var finalOnly = false
    /// Newest windows/days first (the HTTP API's `order=desc`; the latest windows for a dashboard).
    public var descending = false

    public init(query: QueryName, tenant: String) {
        self.query = query
        self.tenant = tenant
    }

    public struct Result: Sendable {
        public var columns: [String]
        public var rows: [[SQLiteValue]]
    }

    /// Parses a time bound: Unix seconds, `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SSZ` (UTC); nil if it is none of them.
    public static func instant(_ text: String) -> Int64? {
        if let n = Int64(text) { return n }
        if let day = CivilDate.parseISODay(text) { return Int64(day) * 86_400 }
        if text.count == 20, text.hasSuffix("Z"), text.dropFirst(10).first == "T",
           let day = CivilDate.parseISODay(String(text.prefix(10))) {
            let parts = text.dropFirst(11).dropLast().split(separator: ":").compactMap { Int64($0) }
            if parts.count == 3, parts[0] < 24, parts[1] < 60, parts[2] < 60 {
                return Int64(day) * 86_400 + parts[0] * 3600 + parts[1] * 60 + parts[2]
            }
        }
        return nil
    }

    /// The columns each query's results have, in order.
    public static func columns(_ query: QueryName) -> [String] {
        switch query {
        case .sumFareWindow: ["window_start", "window_end", "total_fare", "tips_fare", "total_trip_total", "trips", "final"]
        case .tripsTotal: ["day", "trips_total", "fare_total", "tips_avg", "trip_total_avg", "final"]
        case .hotspotCommunityWindow: ["window_start", "window_end", "pickup_community_area", "count", "final"]
        case .hotspotWindow: ["window_start", "window_end", "pickup_centroid_location", "count", "final"]
        }
    }

    public func run(_ db: SQLiteDatabase) throws -> Result {
        var conditions = ["tenant = ?"]
        var args: [SQLiteValue] = [.text(tenant)]
        let table = query.rawValue
        let columns = Self.columns(query)
        let direction = descending ? " DESC" : ""
        let order: String
        switch query {
        case .sumFareWindow: order = "window_start\(direction)"
        case .tripsTotal: order = "day\(direction)"
        case .hotspotCommunityWindow: order = "window_start\(direction), count DESC, pickup_community_area"
        case .hotspotWindow: order = "window_start\(direction), count DESC, pickup_centroid_location"
        }
        let timeColumn = query == .tripsTotal ? "day" : "window_start"
        func bound(_ seconds: Int64) -> SQLiteValue {
            query == .tripsTotal ? .text(CivilDate.isoDay(Int(floorDiv(seconds, 86_400)))) : .integer(seconds)
        }
        if let from { conditions.append("\(timeColumn) >= ?"); args.append(bound(from)) }
        if let to { conditions.append("\(timeColumn) < ?"); args.append(bound(to)) }
        if finalOnly { conditions.append("final = 1") }
        let whereClause = conditions.joined(separator: " AND ")
        var sql: String
        if let top, query == .hotspotCommunityWindow || query == .hotspotWindow {
            let key = query == .hotspotWindow ? "pickup_centroid_location" : "pickup_community_area"
            sql = """
            SELECT \(columns.joined(separator: ", ")) FROM (
              SELECT *, ROW_NUMBER() OVER (PARTITION BY window_start, window_end ORDER BY count DESC, \(key)) AS rank
              FROM \(table) WHERE \(whereClause)) WHERE rank <= \(top) ORDER BY \(order)
            """
        } else if let top {
            // The N largest first, then paged within those N (a page never reaches past the top N).
            let measure = query == .tripsTotal ? "trips_total" : "total_fare"
            sql = "SELECT \(columns.joined(separator: ", ")) FROM \(table) WHERE \(whereClause) "
                + "ORDER BY \(measure) DESC, \(order) LIMIT \(top)"
            if limit != nil || offset != nil { sql = "SELECT * FROM (\(sql)) ORDER BY \(measure) DESC, \(order)" }
        } else {
            sql = "SELECT \(columns.joined(separator: ", ")) FROM \(table) WHERE \(whereClause) ORDER BY \(order)"
        }
        if limit != nil || offset != nil { sql += " LIMIT \(limit ?? -1) OFFSET \(offset ?? 0)" }
        return Result(columns: columns, rows: try db.rows(sql, args))
    }
}
