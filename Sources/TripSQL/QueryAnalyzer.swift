import TripCore

/// SQL text → `AnalyticQuery`, with every semantic check: names, types, the window, grouping. Errors name the
/// line:column of the construct and come in text order as far as they can (the select list is read first,
/// grouping is checked once GROUP BY has been read).
public enum QueryAnalyzer {
    public static func compile(_ sql: String, name: String) throws(SQLError) -> AnalyticQuery {
        let select = try SQLParser.parse(sql)
        let items = try selectList(select.items)
        let window = try window(select.source)
        let filter = try select.filter.map { (e) throws(SQLError) in try condition(e) }
        let grouping = try groupBy(select.groupBy, end: select.end, window: window, outputNames: items.map(\.name))
        let (aggregates, outputs) = try outputs(items, grouping: grouping, window: window)
        try requireSelected(grouping, outputs)
        guard !aggregates.isEmpty else {
            throw SQLError("a query needs at least one aggregate", at: select.items[0].expression.position,
                           hint: "COUNT(*), COUNT(col), SUM, AVG, MIN or MAX")
        }
        return AnalyticQuery(name: name, window: window, filter: filter, groupKey: grouping.key,
                             aggregates: aggregates, outputs: outputs)
    }

    /// The select list's entries with their output names (AS, else the default), each name once.
    static func selectList(_ entries: [SQLSelectItem]) throws(SQLError) -> [(item: SelectedItem, name: String)] {
        var items: [(item: SelectedItem, name: String)] = []
        var names: Set<String> = []  // a pasted list of thousands of outputs stays linear
        for entry in entries {
            let item = try selectedItem(entry.expression)
            let name = entry.alias?.text ?? item.defaultName
            let position = entry.alias?.position ?? entry.expression.position
            if reservedOutputNames.contains(name) {
                throw SQLError("the output name '\(name)' is reserved", at: position,
                               hint: "results add tenant, final and window")
            }
            guard names.insert(name).inserted else {
                throw SQLError("duplicate output name '\(name.shortenedForMessage(limit: 40))'", at: position,
                               hint: "name it with AS")
            }
            items.append((item, name))
        }
        return items
    }

    /// Each entry as an output column, its non-aggregates checked against GROUP BY; the aggregates in order.
    static func outputs(_ items: [(item: SelectedItem, name: String)], grouping: Grouping,
                        window: QueryWindow) throws(SQLError) -> ([Aggregate], [OutputColumn]) {
        var aggregates: [Aggregate] = []
        var outputs: [OutputColumn] = []
        for (item, name) in items {
            let source: OutputColumn.Source
            let type: ValueType
            switch item {
            case .windowStart(let p), .windowEnd(let p):
                guard grouping.key.window == .bounds else {
                    throw SQLError("\(item.defaultName) is not in GROUP BY", at: p,
                                   hint: "group by window_start, window_end")
                }
                (source, type) = (item.defaultName == "window_start" ? .windowStart : .windowEnd, .timestamp)
            case .day(let p):
                guard window.dayAligned else { throw dateNeedsDayWindow(p, window) }
                (source, type) = (.day, .date)
            case .column(let column, let p):
                guard let i = grouping.key.columns.firstIndex(of: column) else {
                    throw SQLError("'\(column.name)' must be in GROUP BY or inside an aggregate", at: p)
                }
                (source, type) = (.group(i), column.type)
            case .aggregate(let a, _):
                (source, type) = (.aggregate(aggregates.count), a.type)
                aggregates.append(a)
            }
            outputs.append(OutputColumn(name: name, source: source, type: type))
        }
        return (aggregates, outputs)
    }

    /// The mirror adds `tenant` and `final` to every result row, the result topic a `window` object.
    static let reservedOutputNames: Set<String> = ["tenant", "final", "window"]
    static let aggregateNames: Set<String> = ["count", "sum", "avg", "min", "max"]
    static let functionNames = ["count", "sum", "avg", "min", "max", "round", "date"]

    /// What one entry of the select list is, before grouping is known.
    enum SelectedItem {
        case windowStart(SQLPosition), windowEnd(SQLPosition), day(SQLPosition)
        case column(TripColumn, SQLPosition)
        case aggregate(Aggregate, SQLPosition)

        /// The output's name without AS: the column's; `day`; `count`; else `<function>_<column>` (`sum_fare`).
        var defaultName: String {
            switch self {
            case .windowStart: "window_start"
            case .windowEnd: "window_end"
            case .day: "day"
            case .column(let c, _): c.name
            case .aggregate(let a, _): a.defaultName
            }
        }
    }

    static func selectedItem(_ e: SQLExpression) throws(SQLError) -> SelectedItem {
        switch e {
        case .column(let name) where name.text == "window_start": return .windowStart(name.position)
        case .column(let name) where name.text == "window_end": return .windowEnd(name.position)
        case .column(let name):
            return .column(try rowColumn(name, candidates: TripColumn.names + ["window_start", "window_end"]),
                           name.position)
        case .call(let name, let arguments) where name.text == "date":
            try dateArgument(name, arguments)
            return .day(name.position)
        case .call(let name, let arguments):
            return .aggregate(try aggregate(name, arguments), name.position)
        case .number, .string, .null:
            throw SQLError("constants in the select list are not supported", at: e.position)
        case .star(let p):
            throw SQLError("'*' in the select list is not supported", at: p, hint: "name the output columns")
        case .comparison, .isNull, .inList, .not, .and, .or:
            throw SQLError("conditions in the select list are not supported", at: e.position,
                           hint: "filter rows with WHERE")
        }
    }

    static func dateArgument(_ name: SQLName, _ arguments: [SQLExpression]) throws(SQLError) {
        guard arguments.count == 1, case .column(let argument) = arguments[0], argument.text == "window_start" else {
            throw SQLError("DATE takes window_start", at: name.position, hint: "DATE(window_start) is the window's local day")
        }
    }

    static func dateNeedsDayWindow(_ p: SQLPosition, _ window: QueryWindow) -> SQLError {
        SQLError("DATE(window_start) needs a window of one day", at: p,
                 hint: "TUMBLE(trips, \(TripColumn(window.timeColumn).name), INTERVAL '1' DAY)")
    }

    /// COUNT(*), COUNT(col), SUM, AVG, MIN, MAX of one column, or ROUND(SUM|AVG(col), n).
    static func aggregate(_ name: SQLName, _ arguments: [SQLExpression]) throws(SQLError) -> Aggregate {
        let function = name.text.uppercased()
        switch name.text {
        case "round":
            guard arguments.count == 2, case .call(let inner, let innerArguments) = arguments[0],
                  inner.text == "sum" || inner.text == "avg" else {
                throw SQLError("ROUND takes SUM(…) or AVG(…) and a number of decimals", at: name.position,
                               hint: "for example ROUND(AVG(tips), 2)")
            }
            var a = try aggregate(inner, innerArguments)
            guard case .number(let digits, false, _) = arguments[1], digits.utf8.count == 1 else {
                throw SQLError("ROUND's decimals must be a whole number from 0 to 9", at: arguments[1].position)
            }
            a.roundTo = Int(digits)
            return a
        case "count":
            if arguments.count == 1, case .star = arguments[0] { return Aggregate(kind: .countRows, column: nil) }
        case "sum", "avg", "min", "max":
            if arguments.count == 1, case .star(let p) = arguments[0] {
                throw SQLError("\(function)(*) is not supported", at: p, hint: "only COUNT(*) counts rows")
            }
        case "tumble", "hop":
            throw SQLError("\(function) is only allowed in FROM", at: name.position)
        case "date":
            throw SQLError("DATE is only allowed as DATE(window_start) in the select list or GROUP BY", at: name.position)
        default:
            throw SQLError("function '\(name.text.shortenedForMessage(limit: 40))' is not supported", at: name.position,
                           hint: NameSuggestion.nearest(name.text, in: functionNames).map { "did you mean \($0.uppercased())?" })
        }
        guard arguments.count == 1, case .column(let argument) = arguments[0] else {
            if arguments.count == 1, case .call(let inner, _) = arguments[0], aggregateNames.contains(inner.text) {
                throw SQLError("aggregates cannot be nested", at: inner.position)
            }
            throw SQLError("\(function) takes one column", at: name.position)
        }
        guard argument.text != "window_start" && argument.text != "window_end" else {
            throw SQLError("\(function)(\(argument.text)) is not supported", at: argument.position,
                           hint: "aggregates take row columns")
        }
        let column = try rowColumn(argument, candidates: TripColumn.names)
        let kind = Aggregate.Kind(rawValue: name.text)!
        switch kind {
        case .sum, .avg:
            guard column.type.isNumeric else {
                throw SQLError("\(function) needs a numeric column; '\(column.name)' is \(column.type.description)",
                               at: argument.position)
            }
        case .min, .max:
            guard column.type != .text else {
                throw SQLError("\(function) of the text column '\(column.name)' is not supported", at: argument.position,
                               hint: "MIN and MAX take numeric and timestamp columns")
            }
        case .count, .countRows:
            break
        }
        return Aggregate(kind: kind, column: column)
    }
}

extension Aggregate {
    /// `count` for COUNT(*), else `<function>_<column>` (`sum_fare`), rounded or not.
    var defaultName: String {
        guard let column else { return "count" }
        return "\(kind.rawValue)_\(column.name)"
    }
}
