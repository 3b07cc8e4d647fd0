import TripCore

extension QueryAnalyzer {
    static let day: Int64 = 86_400_000

    /// `TUMBLE(trips, col, size)` / `HOP(trips, col, slide, size)`, with the configuration's rules for a window
    /// and its slide (whole seconds, at least 1 s; slide ≤ size; a row in at most 1000 windows) and its messages.
    /// The size need not be a multiple of the slide: today's configuration accepts such windows (`window` 50m
    /// under the chicago profile's 15m slide) and the engine assigns rows to them correctly (`WindowSpec`).
    static func window(_ source: SQLWindowSource) throws(SQLError) -> QueryWindow {
        let kind: QueryWindow.Kind
        switch source.function.text {
        case "tumble": kind = .tumble
        case "hop": kind = .hop
        default:
            throw SQLError("window function '\(source.function.text.shortenedForMessage(limit: 40))' is not supported",
                           at: source.function.position, hint: "use TUMBLE or HOP")
        }
        guard source.table.text == "trips" else {
            throw SQLError("unknown stream '\(source.table.text.shortenedForMessage(limit: 40))'",
                           at: source.table.position, hint: "the stream is 'trips'")
        }
        let time = try timeColumn(source.timeColumn)
        let arguments = kind == .tumble ? 1 : 2
        guard source.intervals.count == arguments else {
            throw SQLError(kind == .tumble ? "TUMBLE takes (trips, time column, size)"
                                           : "HOP takes (trips, time column, slide, size)",
                           at: source.function.position)
        }
        let size = source.intervals[arguments - 1]
        let slide = source.intervals[0]
        guard size.milliseconds >= 1000 else {
            throw SQLError("the window size must be a whole number of seconds, at least 1s", at: size.position)
        }
        guard slide.milliseconds >= 1000 else {
            throw SQLError("the slide must be a whole number of seconds, at least 1s", at: slide.position)
        }
        guard slide.milliseconds <= size.milliseconds else {
            throw SQLError("the slide must not exceed the window (\(slide.milliseconds / 1000)s > \(size.milliseconds / 1000)s)",
                           at: slide.position)
        }
        guard (size.milliseconds + slide.milliseconds - 1) / slide.milliseconds <= 1000 else {
            throw SQLError("window/slide puts each row in more than 1000 windows", at: slide.position)
        }
        // Days are local calendar days (midnight to midnight in the configured zone): one day, tumbling. Hours are
        // durations: `INTERVAL '24' HOUR` is a 24-hour window from the Unix epoch, as a built-in's `window` of 1d.
        let dayAligned = kind == .tumble && size.inDays && size.milliseconds == day
        if kind == .tumble && size.inDays && !dayAligned {
            throw SQLError("a TUMBLE of more than one day is not supported", at: size.position,
                           hint: "DAY is the local calendar day: INTERVAL '1' DAY, or a duration in hours")
        }
        if kind == .hop && (size.inDays || slide.inDays) {
            throw SQLError("a HOP window over days is not supported", at: slide.inDays ? slide.position : size.position,
                           hint: "DAY is the local calendar day: TUMBLE(trips, \(TripColumn(time).name), INTERVAL '1' DAY), or durations in hours")
        }
        return QueryWindow(kind: kind, timeColumn: time,
                           spec: WindowSpec(length: size.milliseconds, slide: slide.milliseconds), dayAligned: dayAligned)
    }

    static let timeColumnNames = TripColumn.allCases.filter { $0.timeColumn != nil }.map(\.name)

    static func timeColumn(_ name: SQLName) throws(SQLError) -> TimeColumn {
        guard let column = TripColumn(name: name.text) else {
            throw unknownColumn(name, candidates: timeColumnNames)
        }
        guard let time = column.timeColumn else {
            throw SQLError("'\(column.name)' is not a time column", at: name.position,
                           hint: "use " + timeColumnNames.joined(separator: ", "))
        }
        return time
    }

    static func unknownColumn(_ name: SQLName, candidates: [String], hint: String? = nil) -> SQLError {
        let suggestion = NameSuggestion.nearest(name.text, in: candidates).map { "did you mean '\($0)'?" }
        return SQLError("unknown column '\(name.text.shortenedForMessage(limit: 40))'", at: name.position,
                        hint: suggestion ?? hint)
    }
}
