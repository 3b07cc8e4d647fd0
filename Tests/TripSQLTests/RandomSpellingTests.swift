import Testing
import TripCore
import TripFixtures
@testable import TripSQL

/// Random valid queries, each written twice in different spellings (keyword case, layout, comments, redundant
/// parentheses, explicit default names, interval units, trailing zeros, `!=` for `<>`, GROUP BY order): both
/// compile to one value with one normalized text, which compiles back to that value.
@Suite struct RandomSpellingTests {
    @Test func spellingsOfRandomQueriesCompileAlike() throws {
        var shapes = SplitMix64(seed: 16)
        for i in 0..<300 {
            let query = RandomQuery(&shapes)
            var styleA = SplitMix64(seed: UInt64(2 * i + 1))
            var styleB = SplitMix64(seed: UInt64(2 * i + 2))
            let a = query.sql(&styleA)
            let b = query.sql(&styleB)
            let qa = try QueryAnalyzer.compile(a, name: "q")
            let qb = try QueryAnalyzer.compile(b, name: "q")
            #expect(qa == qb, "\(a)\n---\n\(b)")
            #expect(qa.normalizedSQL == qb.normalizedSQL)
            let again = try QueryAnalyzer.compile(qa.normalizedSQL, name: "q")
            #expect(again == qa && again.normalizedSQL == qa.normalizedSQL, "\(qa.normalizedSQL)")
            #expect(qa.outputs.count == query.items.count)
            #expect(qa.groupKey.columns == query.groups)
        }
    }
}

/// The shape of a valid query; `sql(_:)` writes it in a random spelling.
struct RandomQuery {
    indirect enum Condition {
        case leaf(String, TripColumn)  // a predicate's operator and literal part, written after the column
        case and(Condition, Condition), or(Condition, Condition), not(Condition)
    }

    var hop: Bool
    var time: TripColumn
    var slide: Int64
    var size: Int64
    var day: Bool
    var groups: [TripColumn]
    /// Select items as written (function calls upper case), with an alias or nil.
    var items: [(text: String, alias: String?)]
    var filter: Condition?

    static let groupable = TripColumn.allCases.filter { !$0.isPseudo }
    static let numeric = TripColumn.allCases.filter { $0.type.isNumeric }
    static let texts = TripColumn.allCases.filter { $0.type == .text }

    init(_ r: inout SplitMix64) {
        time = [.tripStartTimestamp, .tripEndTimestamp, .eventTimestamp, .kafkaTimestamp, .ingestTime][r.below(5)]
        day = r.chance(0.15)
        hop = !day && r.chance(0.5)
        let sizes: [Int64] = [45_000, 60_000, 90_000, 300_000, 900_000, 3_600_000, 7_200_000]
        let size = day ? 86_400_000 : sizes[r.below(sizes.count)]
        let slides = [size, size / 2, size / 3, 15_000, 30_000].filter { $0 % 1000 == 0 && $0 <= size }
        self.size = size
        slide = hop ? slides[r.below(slides.count)] : size
        var groups: [TripColumn] = []
        for _ in 0..<r.below(3) {
            let c = Self.groupable[r.below(Self.groupable.count)]
            if !groups.contains(c) { groups.append(c) }
        }
        self.groups = groups
        var items: [(String, String?)] = day ? [("DATE(window_start)", nil)] : [("window_start", nil), ("window_end", nil)]
        items += groups.map { ($0.name, nil) }
        for k in 0..<(1 + r.below(3)) {
            let column = Self.numeric[r.below(Self.numeric.count)]
            let call = ["COUNT(*)", "COUNT(\(column.name))", "SUM(\(column.name))", "AVG(\(column.name))",
                        "MIN(\(column.name))", "MAX(\(column.name))", "ROUND(AVG(\(column.name)), \(r.below(4)))",
                        "ROUND(SUM(\(column.name)), 1)"][r.below(8)]
            items.append((call, "agg\(k)"))
        }
        items.shuffle(using: &r)
        self.items = items
        filter = r.chance(0.8) ? Self.condition(&r, depth: 0) : nil
    }

    static func condition(_ r: inout SplitMix64, depth: Int) -> Condition {
        if depth < 3 && r.chance(0.5) {
            switch r.below(3) {
            case 0: return .and(condition(&r, depth: depth + 1), condition(&r, depth: depth + 1))
            case 1: return .or(condition(&r, depth: depth + 1), condition(&r, depth: depth + 1))
            default: return .not(condition(&r, depth: depth + 1))
            }
        }
        if r.chance(0.2) {
            let c = groupable[r.below(groupable.count)]
            return .leaf(r.chance(0.5) ? "IS NULL" : "IS NOT NULL", c)
        }
        if r.chance(0.3) {
            let c = texts[r.below(texts.count)]
            return .leaf(r.chance(0.5) ? "= 'Flash Cab'" : "IN ('a''b', 'Sun Taxi', '')", c)
        }
        let c = numeric[r.below(numeric.count)]
        let op = ["=", "<>", "<", "<=", ">", ">="][r.below(6)]
        let value = Int64(r.below(20_000)) - 5_000
        guard case .decimal = c.type else { return .leaf("\(op) \(value)", c) }
        return .leaf("\(op) \(value < 0 ? "-" : "")\(abs(value) / 100).\(String(format2: abs(value) % 100))", c)
    }

    func sql(_ r: inout SplitMix64) -> String {
        func kw(_ word: String) -> String {
            switch r.below(3) {
            case 0: word.uppercased()
            case 1: word.lowercased()
            default: word.prefix(1).uppercased() + word.dropFirst().lowercased()
            }
        }
        func gap() -> String { ["  ", "\n", " -- note\n", "\t "][r.below(4)] }
        func interval(_ ms: Int64) -> String {
            // DAY is the calendar day (a day window's only spelling); other windows are durations, never in days.
            let units = (day ? [("DAY", Int64(86_400_000))] : [("SECOND", 1000), ("MINUTE", 60_000), ("HOUR", 3_600_000)])
                .filter { ms % $0.1 == 0 }
            let (unit, scale) = units[r.below(units.count)]
            return "\(kw("interval")) '\(ms / scale)' \(kw(unit))\(r.chance(0.5) ? "s" : "")"
        }
        func condition(_ c: Condition) -> String {
            let text: String
            switch c {
            case .leaf(let rest, let column):
                let tail = rest.replacing("<>", with: r.chance(0.5) ? "<>" : "!=")
                text = column.name.uppercased() + " " + tail.replacing("IS NOT NULL", with: "\(kw("is")) \(kw("not")) \(kw("null"))")
            case .and(let a, let b): text = "(\(condition(a)))\(gap())\(kw("and")) (\(condition(b)))"
            case .or(let a, let b): text = "(\(condition(a))) \(kw("or"))\(gap())(\(condition(b)))"
            case .not(let a): text = "\(kw("not")) (\(condition(a)))"
            }
            return r.chance(0.3) ? "(\(text))" : text
        }
        let select = items.map { item in
            let name = item.alias ?? (r.chance(0.3) ? defaultName(item.text) : nil)
            return item.text + (name.map { " \(kw("as")) \($0)" } ?? "")
        }
        let from = hop ? "\(kw("hop"))(trips, \(time.name), \(interval(slide)), \(interval(size)))"
                       : "\(kw("tumble"))( trips,\(time.name),\(interval(size)) )"
        // The window's keys anywhere among the group columns, whose order is the key's (and stays).
        var keys = groups.map(\.name)
        for key in day ? ["date(window_start)"] : ["window_start", "window_end"].shuffled(using: &r) {
            keys.insert(key, at: r.below(keys.count + 1))
        }
        var sql = kw("select") + gap() + select.joined(separator: "," + gap()) + gap() + kw("from") + " " + from
        if let filter { sql += gap() + kw("where") + " " + condition(filter) }
        sql += gap() + kw("group") + " " + kw("by") + " " + keys.joined(separator: ", ")
        return sql + (r.chance(0.3) ? ";" : "")
    }

    /// The name the analyzer gives an item without AS.
    func defaultName(_ text: String) -> String? {
        if text.hasPrefix("DATE(") { return "day" }
        return text.contains("(") ? nil : text
    }
}

extension String {
    /// Two digits, zero-padded.
    init(format2 n: Int64) { self = n < 10 ? "0\(n)" : "\(n)" }
}
