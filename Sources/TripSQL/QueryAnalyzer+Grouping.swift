import TripCore

extension QueryAnalyzer {
    /// GROUP BY as read: the key, and where each part of it was written (for errors about it).
    struct Grouping {
        var key: GroupKey
        var windowPosition: SQLPosition
        var columnPositions: [SQLPosition]
    }

    /// GROUP BY lists the window (`window_start, window_end`, or `DATE(window_start)` for a one-day window),
    /// in any order, and any row columns, each once.
    static func groupBy(_ items: [SQLExpression], end textEnd: SQLPosition, window: QueryWindow,
                        outputNames: [String]) throws(SQLError) -> Grouping {
        guard let first = items.first else {
            throw SQLError("GROUP BY is missing", at: textEnd,
                           hint: "a windowed query groups by window_start, window_end (or DATE(window_start))")
        }
        var start: SQLPosition?
        var end: SQLPosition?
        var day: SQLPosition?
        var columns: [TripColumn] = []
        var positions: [SQLPosition] = []
        for item in items {
            switch item {
            case .column(let name) where name.text == "window_start" || name.text == "window_end":
                let isStart = name.text == "window_start"
                if (isStart ? start : end) != nil { throw listedTwice(name.text, name.position) }
                if isStart { start = name.position } else { end = name.position }
            case .call(let name, let arguments) where name.text == "date":
                try dateArgument(name, arguments)
                if day != nil { throw listedTwice("DATE(window_start)", name.position) }
                guard window.dayAligned else { throw dateNeedsDayWindow(name.position, window) }
                day = name.position
            case .column(let name):
                let hint = outputNames.contains(name.text) ? "GROUP BY takes input columns, not output names" : nil
                let column = try rowColumn(name, candidates: TripColumn.names + ["window_start", "window_end"],
                                           hint: hint)
                if columns.contains(column) { throw listedTwice(column.name, name.position) }
                columns.append(column)
                positions.append(name.position)
            case .call(let name, _) where aggregateNames.contains(name.text) || name.text == "round":
                throw SQLError("aggregates are not allowed in GROUP BY", at: name.position)
            default:
                throw SQLError("GROUP BY takes columns, window_start, window_end or DATE(window_start)",
                               at: item.position)
            }
        }
        if let day {
            if let bound = start ?? end {
                throw SQLError("GROUP BY lists both the window bounds and DATE(window_start)", at: max(bound, day),
                               hint: "group by one of them")
            }
            return Grouping(key: GroupKey(window: .day, columns: columns), windowPosition: day,
                            columnPositions: positions)
        }
        guard let start, let end else {
            let present = start ?? end
            throw SQLError(present == nil ? "GROUP BY must list window_start, window_end or DATE(window_start)"
                                          : "GROUP BY lists \(start == nil ? "window_end without window_start" : "window_start without window_end")",
                           at: present ?? first.position)
        }
        return Grouping(key: GroupKey(window: .bounds, columns: columns), windowPosition: min(start, end),
                        columnPositions: positions)
    }

    static func listedTwice(_ what: String, _ p: SQLPosition) -> SQLError {
        SQLError("\(what) is listed twice in GROUP BY", at: p)
    }

    /// Results are keyed by their window and group columns (the mirror's primary key, the topic's message
    /// key), so each of them must be an output.
    static func requireSelected(_ grouping: Grouping, _ outputs: [OutputColumn]) throws(SQLError) {
        let sources = outputs.map(\.source)
        let hint = "results are keyed by their group: add it to the select list"
        switch grouping.key.window {
        case .bounds:
            for (bound, name) in [(OutputColumn.Source.windowStart, "window_start"), (.windowEnd, "window_end")]
            where !sources.contains(bound) {
                throw SQLError("\(name) is grouped but not selected", at: grouping.windowPosition, hint: hint)
            }
        case .day:
            if !sources.contains(.day) {
                throw SQLError("DATE(window_start) is grouped but not selected", at: grouping.windowPosition, hint: hint)
            }
        }
        for (i, column) in grouping.key.columns.enumerated() where !sources.contains(.group(i)) {
            throw SQLError("'\(column.name)' is grouped but not selected", at: grouping.columnPositions[i], hint: hint)
        }
    }
}
