import TripCore
import TripSQLite

/// Reads one query's results from the mirror, with the filters of `tripstream query` (and the HTTP API): a
/// built-in's (below) or a SQL query's (`MirrorQuery+SQL.swift`).
public struct MirrorQuery: Sendable {
    public enum Target: Sendable {
        case builtin(QueryName)
        case sql(QueryTable)
        /// A SQL query known by its name only: `run` looks its table up in the mirror (`SQLQueryRegistry`).
        case sqlNamed(String)
    }
    public var target: Target
    /// The built-in query read, nil for a SQL query.
    public var query: QueryName? {
        if case .builtin(let q) = target { q } else { nil }
    }
    /// The query's name (its mirror table or view).
    public var name: String {
        switch target {
        case .builtin(let q): q.rawValue
        case .sql(let t): t.name
        case .sqlNamed(let name): name
        }
    }
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
        target = .builtin(query)
        self.tenant = tenant
    }

    public init(sqlTable: QueryTable, tenant: String) {
        target = .sql(sqlTable)
        self.tenant = tenant
    }

    /// A built-in by its name, or else a SQL query of the mirror by its name (looked up when run); nil when `name`
    /// can name neither.
    public init?(name: String, tenant: String) {
        if let q = QueryName(rawValue: name) {
            target = .builtin(q)
        } else if UserQuery.problem(withName: name) == nil {
            target = .sqlNamed(name)
        } else {
            return nil
        }
        self.tenant = tenant
    }

    /// Asked for a query the mirror does not hold.
    public struct UnknownQuery: Error, CustomStringConvertible {
        public let name: String
        /// The SQL queries the mirror holds.
        public let known: [String]
        public var description: String {
            "unknown query \(name); expected one of " + (QueryName.allCases.map(\.rawValue) + known).joined(separator: ", ")
        }
    }

    /// The query with a SQL query's table looked up in the mirror.
    public func resolved(in db: SQLiteDatabase) throws -> MirrorQuery {
        guard case .sqlNamed(let name) = target else { return self }
        guard let table = try SQLQueryRegistry.table(named: name, in: db) else {
            throw UnknownQuery(name: name, known: try SQLQueryRegistry.names(in: db))
        }
        var q = self
        q.target = .sql(table)
        return q
    }

    /// The built-in read by the methods below (only called for one).
    var builtin: QueryName {
        guard case .builtin(let q) = target else { preconditionFailure("a built-in's reader called for \(name)") }
        return q
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
        if case .sqlNamed = target { return try resolved(in: db).run(db) }
        if case .sql(let table) = target { return try runSQL(table, db) }
        let query = builtin
        if top != nil, let plan = hotspotTopPlan() {
            return Result(columns: Self.columns(query), rows: try topPerWindow(plan, db))
        }
        let (sql, args) = statement()
        return Result(columns: Self.columns(query), rows: try db.rows(sql, args))
    }

    /// SQLite's plan for what `run` executes, one line per step (`SCAN t`, `SEARCH t USING INDEX …`).
    public func queryPlan(_ db: SQLiteDatabase) throws -> [String] {
        if case .sqlNamed = target { return try resolved(in: db).queryPlan(db) }
        if case .sql(let table) = target {
            let (sql, args) = sqlStatement(table)
            return try db.rows("EXPLAIN QUERY PLAN " + sql, args).map { $0[3].string ?? "" }
        }
        var statements = [statement()]
        if top != nil, let plan = hotspotTopPlan() {
            statements = [(plan.nextWindow, [.integer(0), .integer(0)] + plan.windowArguments),
                          (plan.windowTop, [.integer(0), .integer(0)] + plan.topArguments)]
        }
        return try statements.flatMap { sql, args in
            try db.rows("EXPLAIN QUERY PLAN " + sql, args).map { $0[3].string ?? "" }
        }
    }

    /// The two statements of a hotspot `top`: the next window after a (window_start, window_end) in the order
    /// asked for, and one window's N largest counts. Both walk the window-first primary key.
    struct HotspotTopPlan {
        var nextWindow: String
        var windowArguments: [SQLiteValue]
        var windowTop: String
        var topArguments: [SQLiteValue]
    }

    func hotspotTopPlan() -> HotspotTopPlan? {
        guard let query, let top, query == .hotspotCommunityWindow || query == .hotspotWindow else { return nil }
        let key = query == .hotspotWindow ? "pickup_centroid_location" : "pickup_community_area"
        var conditions = ["tenant = ?"], args: [SQLiteValue] = [.text(tenant)]
        if finalOnly { conditions.append("final = 1") }
        let filter = conditions.joined(separator: " AND ")
        let windowTop = "SELECT \(Self.columns(query).joined(separator: ", ")) FROM \(query.rawValue) "
            + "WHERE window_start = ? AND window_end = ? AND \(filter) ORDER BY count DESC, \(key) LIMIT \(top)"
        let topArguments = args
        if let from { conditions.append("window_start >= ?"); args.append(.integer(from)) }
        if let to { conditions.append("window_start < ?"); args.append(.integer(to)) }
        let (after, direction) = descending ? ("<", " DESC") : (">", "")
        let nextWindow = "SELECT window_start, window_end FROM \(MirrorSchema.storage(of: query.rawValue)) "
            + "WHERE (window_start, window_end) \(after) (?, ?) AND \(conditions.joined(separator: " AND ")) "
            + "ORDER BY window_start\(direction), window_end\(direction) LIMIT 1"
        return HotspotTopPlan(nextWindow: nextWindow, windowArguments: args, windowTop: windowTop, topArguments: topArguments)
    }

    /// Window by window, each window's N largest, until the page (offset + limit rows) is full: reads the
    /// windows shown, not the table.
    func topPerWindow(_ plan: HotspotTopPlan, _ db: SQLiteDatabase) throws -> [[SQLiteValue]] {
        let wanted = limit.map { (offset ?? 0) + $0 }  // nil: every window
        var rows: [[SQLiteValue]] = []
        var window: [SQLiteValue] = descending ? [.integer(.max), .integer(.max)] : [.integer(.min), .integer(.min)]
        let next = try db.cached(plan.nextWindow), largest = try db.cached(plan.windowTop)
        while wanted.map({ rows.count < $0 }) ?? true {
            next.reset()
            try next.bind(window + plan.windowArguments)
            guard try next.step() else { break }
            window = [next.value(at: 0), next.value(at: 1)]
            largest.reset()
            try largest.bind(window + plan.topArguments)
            while try largest.step() { rows.append((0..<largest.columnCount).map { largest.value(at: $0) }) }
        }
        let start = min(offset ?? 0, rows.count)
        return Array(rows[start..<(limit.map { min(start + $0, rows.count) } ?? rows.count)])
    }

    func statement() -> (sql: String, arguments: [SQLiteValue]) {
        let query = builtin
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
        appendRange(on: query == .tripsTotal ? "day" : "window_start", byDay: query == .tripsTotal,
                    to: &conditions, &args)
        if finalOnly { conditions.append("final = 1") }
        let whereClause = conditions.joined(separator: " AND ")
        let select = "SELECT \(columns.joined(separator: ", ")) FROM \(table) WHERE \(whereClause) "
        if let top {
            // The N largest (read from the `_top` index), paged within those N: a page never reaches past them.
            let measure = query == .tripsTotal ? "trips_total" : "total_fare"
            let skip = min(offset ?? 0, top)
            return (select + "ORDER BY \(measure) DESC, \(order) LIMIT \(min(limit ?? top, top - skip)) OFFSET \(skip)", args)
        }
        var sql = select + "ORDER BY \(order)"
        if limit != nil || offset != nil { sql += " LIMIT \(limit ?? -1) OFFSET \(offset ?? 0)" }
        return (sql, args)
    }

    /// `from`/`to` as conditions on the window column `column` (Unix seconds), or on a `day` column (the days of
    /// those instants, `YYYY-MM-DD`).
    func appendRange(on column: String, byDay: Bool, to conditions: inout [String], _ args: inout [SQLiteValue]) {
        func bound(_ seconds: Int64) -> SQLiteValue {
            byDay ? .text(CivilDate.isoDay(Int(floorDiv(seconds, 86_400)))) : .integer(seconds)
        }
        if let from { conditions.append("\(column) >= ?"); args.append(bound(from)) }
        if let to { conditions.append("\(column) < ?"); args.append(bound(to)) }
    }
}
