import TripCore
import TripEngine

/// A query's result row as a Kafka message, made from the query's value: the key is the row's deterministic key
/// `<tenant>|<query>|<window start s>|<window end s>|<group values…>`, or `<tenant>|<query>|<YYYY-MM-DD>|<group
/// values…>` for a query grouped by `DATE(window_start)` (NULL as an empty field — text values are never empty, the
/// decoders read an empty field as NULL — and `\` and `|` inside a text escaped with `\`, so two groups never share
/// a key), so a re-emitted row overwrites itself; the value is `{"tenant":…,"window":{"start":…,"end":…}` (ISO 8601
/// UTC; no `window` object for a day: the `day` field names it), a field per output in SELECT order, then
/// `"final"`. Output values: window bounds Unix seconds, `day` `"YYYY-MM-DD"`, integers and decimals as JSON numbers
/// (decimals with exactly their scale's digits: `12.50`), AVG without ROUND a JSON number, text a string, MIN/MAX of
/// a timestamp Unix milliseconds, NULL `null`. The built-ins' values give exactly the messages of the original
/// platform's topics (`QueriesInConfigTests.theBuiltinsOwnSQLGivesTheirTables`). Buffers are reused between rows.
public struct QueryMessage {
    public let table: QueryTable
    public private(set) var key: [UInt8] = []
    public private(set) var value: [UInt8] = []
    let keyPrefix: [UInt8]
    let tenantField: [UInt8]
    /// `,"<name>":` per output.
    let fieldPrefixes: [[UInt8]]
    /// The output holding `DATE(window_start)` of a query grouped by day (every such query selects it): the key's
    /// day. Nil for a query grouped by window bounds.
    let dayOutput: Int?
    /// The outputs that are group columns (the key's tail), and per output whether it is the window's start (1),
    /// its end (2) or neither (0): a bound is written from the window's cached text.
    let groupOutputs: [Int]
    let bound: [UInt8]
    /// The texts of the last window written: an epoch's rows come sorted by window, so consecutive rows share
    /// them (formatting the window per row cost more than the rest of the message). `windowKey` is the key's
    /// `<start>|<end>`, `windowFragment` the value's `,"window":{"start":…,"end":…}`, `startText` and `endText`
    /// the bounds in Unix seconds.
    var window: (start: EventTime, end: EventTime) = (.min, .min)
    var windowKey: [UInt8] = []
    var windowFragment: [UInt8] = []
    var startText: [UInt8] = []
    var endText: [UInt8] = []

    public init(query: AnalyticQuery, tenant: String) {
        table = QueryTable(query)
        keyPrefix = Array("\(tenant)|\(query.name)|".utf8)
        tenantField = Array("{\"tenant\":\(JSONText.string(tenant))".utf8)
        fieldPrefixes = query.outputs.map { Array(",\(JSONText.string($0.name)):".utf8) }
        dayOutput = query.groupKey.window == .day ? query.outputs.firstIndex { $0.source == .day } : nil
        groupOutputs = query.outputs.indices.filter { if case .group = query.outputs[$0].source { true } else { false } }
        bound = query.outputs.map { $0.source == .windowStart ? 1 : $0.source == .windowEnd ? 2 : 0 }
    }

    /// Builds the key and value of `row`.
    public mutating func build(_ row: QueryResultRow) {
        ResultColumn.withPointers(row.values.map { ResultColumn(values: [$0]) }) { columns in
            build(columns, row: 0, windowStart: row.windowStart, windowEnd: row.windowEnd, final: row.final)
        }
    }

    /// Builds the key and value of row `r` of an epoch's results, read through its columns' pointers
    /// (`ResultColumn.withPointers`): no value or row view is made per row.
    public mutating func build(_ columns: UnsafeBufferPointer<ResultColumn.Pointers>, row r: Int,
                               windowStart: EventTime, windowEnd: EventTime, final: Bool) {
        if window != (windowStart, windowEnd) { cacheWindow(windowStart, windowEnd) }
        key.removeAll(keepingCapacity: true)
        key.append(contentsOf: keyPrefix)
        if let dayOutput {
            Self.append(columns[dayOutput], r, to: &key, quoted: false)
        } else {
            key.append(contentsOf: windowKey)
        }
        for i in groupOutputs {
            key.append(0x7C)
            let c = columns[i]
            guard c.present[r] else { continue }  // NULL: an empty field
            if c.kind == .text {
                for b in c.texts[Int(c.numbers[r])].utf8 {
                    if b == 0x7C || b == 0x5C { key.append(0x5C) }
                    key.append(b)
                }
            } else {
                Self.append(c, r, to: &key)
            }
        }
        value.removeAll(keepingCapacity: true)
        value.append(contentsOf: tenantField)
        if dayOutput == nil { value.append(contentsOf: windowFragment) }
        for i in 0..<fieldPrefixes.count {
            value.append(contentsOf: fieldPrefixes[i])
            switch bound[i] {
            case 1: value.append(contentsOf: startText)
            case 2: value.append(contentsOf: endText)
            default: Self.append(columns[i], r, to: &value)
            }
        }
        MessageBytes.append(final ? ",\"final\":true}" : ",\"final\":false}", to: &value)
    }

    /// The texts of the window [`start`, `end`) (ms).
    mutating func cacheWindow(_ windowStart: EventTime, _ windowEnd: EventTime) {
        window = (windowStart, windowEnd)
        let start = floorDiv(windowStart, 1000), end = floorDiv(windowEnd, 1000)
        startText.removeAll(keepingCapacity: true)
        MessageBytes.decimal(start, into: &startText)
        endText.removeAll(keepingCapacity: true)
        MessageBytes.decimal(end, into: &endText)
        windowKey = startText + [0x7C] + endText
        windowFragment = Array(",\"window\":{\"start\":\"\(CivilDate.isoUTC(seconds: start))\",\"end\":\"\(CivilDate.isoUTC(seconds: end))\"}".utf8)
    }

    /// Row `r`'s value of a column as JSON (a timestamp in Unix milliseconds: window bounds, in seconds, are
    /// written from `startText` and `endText`); `quoted: false` writes a day without its quotes (in a key).
    static func append(_ c: ResultColumn.Pointers, _ r: Int, to out: inout [UInt8], quoted: Bool = true) {
        guard c.present[r] else { return MessageBytes.append("null", to: &out) }
        let n = c.numbers[r]
        switch c.kind {
        case .integer: MessageBytes.decimal(n, into: &out)
        case .decimal(let scale): appendDecimal(n, scale: scale, to: &out)
        case .double:
            let d = Double(bitPattern: UInt64(bitPattern: n))
            out.append(contentsOf: (d.isFinite ? "\(d)" : "null").utf8)
        case .text: JSONText.append(c.texts[Int(n)], to: &out)
        case .timestamp: MessageBytes.decimal(n, into: &out)
        case .date: out.append(contentsOf: (quoted ? "\"\(CivilDate.isoDay(Int(n)))\"" : CivilDate.isoDay(Int(n))).utf8)
        }
    }

    /// `n` / 10^scale with exactly `scale` digits after the point (`-0.05`, `12.50`, `7`); scales are at most 18.
    static func appendDecimal(_ n: Int64, scale: Int, to out: inout [UInt8]) {
        guard scale > 0 else { MessageBytes.decimal(n, into: &out); return }
        if n < 0 { out.append(0x2D) }
        var power: UInt64 = 1
        for _ in 0..<scale { power *= 10 }
        let magnitude = n.magnitude  // ≤ 2^63, so the whole part (over at least 10) fits an Int64
        MessageBytes.decimal(Int64(magnitude / power), into: &out)
        out.append(0x2E)
        var fraction = magnitude % power
        let first = out.count
        out.append(contentsOf: repeatElement(0x30, count: scale))
        var i = first + scale - 1
        while fraction > 0 {
            out[i] = UInt8(truncatingIfNeeded: fraction % 10) &+ 0x30
            fraction /= 10
            i -= 1
        }
    }
}
