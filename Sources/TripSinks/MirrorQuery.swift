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
    public var finalOnly = false

    public init(query: QueryName, tenant: String) {
        self.query = query
        self.tenant = tenant
    }

    public struct Result: Sendable {
        public var columns: [String]
        public var rows: [[SQLiteValue]]
    }

    public func run(_ db: SQLiteDatabase) throws -> Result {
        var conditions = ["tenant = ?"]
        var args: [SQLiteValue] = [.text(tenant)]
        let table = query.rawValue
        let columns: [String]
        let order: String
        switch query {
        case .sumFareWindow:
            columns = ["window_start", "window_end", "total_fare", "tips_fare", "total_trip_total", "trips", "final"]
            order = "window_start"
        case .tripsTotal:
            columns = ["day", "trips_total", "fare_total", "tips_avg", "trip_total_avg", "final"]
            order = "day"
        case .hotspotCommunityWindow:
            columns = ["window_start", "window_end", "pickup_community_area", "count", "final"]
            order = "window_start, count DESC, pickup_community_area"
        case .hotspotWindow:
            columns = ["window_start", "window_end", "pickup_centroid_location", "count", "final"]
            order = "window_start, count DESC, pickup_centroid_location"
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
            let measure = query == .tripsTotal ? "trips_total" : "total_fare"
            sql = "SELECT \(columns.joined(separator: ", ")) FROM \(table) WHERE \(whereClause) "
                + "ORDER BY \(measure) DESC, \(order) LIMIT \(min(top, limit ?? top))"
            return Result(columns: columns, rows: try db.rows(sql, args))
        } else {
            sql = "SELECT \(columns.joined(separator: ", ")) FROM \(table) WHERE \(whereClause) ORDER BY \(order)"
        }
        if let limit { sql += " LIMIT \(limit)" }
        return Result(columns: columns, rows: try db.rows(sql, args))
    }
}
