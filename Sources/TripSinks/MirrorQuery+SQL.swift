import TripCore
import TripSQLite

/// Reading a SQL query's table: its outputs and `final`, by window (start, or day) in the order asked for, then
/// by the first aggregate, largest first, then the group columns. `top` N: the N rows with the largest first
/// aggregate in each window (a query without group columns has one row per window: the N windows with the
/// largest first aggregate, as `sum_fare_window`'s top).
extension MirrorQuery {
    func runSQL(_ table: QueryTable, _ db: SQLiteDatabase) throws -> Result {
        let (sql, args) = sqlStatement(table)
        return Result(columns: table.query.outputs.map(\.name) + ["final"], rows: try db.rows(sql, args))
    }

    func sqlStatement(_ table: QueryTable) -> (sql: String, arguments: [SQLiteValue]) {
        let outputs = table.query.outputs
        let quoted = { (name: String) in QueryTable.quoted(name) }
        let window = outputs.first { $0.source == .windowStart || $0.source == .day }
        let groups = outputs.filter { if case .group = $0.source { true } else { false } }.map(\.name)
        let measure = outputs.first { if case .aggregate = $0.source { true } else { false } }!.name
        let direction = descending ? " DESC" : ""
        var conditions = ["tenant = ?"]
        var args: [SQLiteValue] = [.text(tenant)]
        if let window {
            appendRange(on: quoted(window.name), byDay: window.source == .day, to: &conditions, &args)
        }
        if finalOnly { conditions.append("final = 1") }
        let windowOrder = window.map { ["\(quoted($0.name))\(direction)"] } ?? []
        let order = (windowOrder + ["\(quoted(measure)) DESC"] + groups.map(quoted)).joined(separator: ", ")
        let columns = (outputs.map(\.name) + ["final"]).map(quoted).joined(separator: ", ")
        let filtered = "SELECT \(columns) FROM \(quoted(table.name)) WHERE \(conditions.joined(separator: " AND "))"
        var sql: String
        if let top, !groups.isEmpty, window != nil {
            let windowKeys = outputs.filter { $0.source == .windowStart || $0.source == .windowEnd || $0.source == .day }
                .map { quoted($0.name) }.joined(separator: ", ")
            sql = "SELECT \(columns) FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY \(windowKeys) ORDER BY "
                + "\(quoted(measure)) DESC, \(groups.map(quoted).joined(separator: ", "))) AS rank_in_window FROM (\(filtered))) "
                + "WHERE rank_in_window <= \(top) ORDER BY \(order)"
        } else if let top {
            let skip = min(offset ?? 0, top)
            return (filtered + " ORDER BY \(quoted(measure)) DESC, \(order) LIMIT \(min(limit ?? top, top - skip)) OFFSET \(skip)", args)
        } else {
            sql = filtered + " ORDER BY \(order)"
        }
        if limit != nil || offset != nil { sql += " LIMIT \(limit ?? -1) OFFSET \(offset ?? 0)" }
        return (sql, args)
    }
}
