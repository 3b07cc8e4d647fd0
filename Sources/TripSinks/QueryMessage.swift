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
    /// The outputs that are group columns (the key's tail), and per output whether it is a window bound (written
    /// in Unix seconds).
    let groupOutputs: [Int]
    let isBound: [Bool]
    /// `,"window":{"start":…,"end":…}` of the last window written: an epoch's rows come sorted by window, so
    /// consecutive rows share it (formatting two ISO times per row cost more than the rest of the message).
    var windowFragment: [UInt8] = []
    var fragmentWindow: (start: EventTime, end: EventTime) = (.min, .min)

    public init(query: AnalyticQuery, tenant: String) {
        table = QueryTable(query)
        keyPrefix = Array("\(tenant)|\(query.name)|".utf8)
        tenantField = Array("{\"tenant\":\(JSONText.string(tenant))".utf8)
        fieldPrefixes = query.outputs.map { Array(",\(JSONText.string($0.name)):".utf8) }
        dayOutput = query.groupKey.window == .day ? query.outputs.firstIndex { $0.source == .day } : nil
        groupOutputs = query.outputs.indices.filter { if case .group = query.outputs[$0].source { true } else { false } }
        isBound = query.outputs.map { $0.source == .windowStart || $0.source == .windowEnd }
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
        let start = floorDiv(windowStart, 1000), end = floorDiv(windowEnd, 1000)
        key.removeAll(keepingCapacity: true)
        key.append(contentsOf: keyPrefix)
        if let dayOutput {
            Self.append(columns[dayOutput], r, to: &key, seconds: false, quoted: false)
        } else {
            MessageBytes.decimal(start, into: &key)
            key.append(0x7C)
            MessageBytes.decimal(end, into: &key)
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
                Self.append(c, r, to: &key, seconds: false)
            }
        }
        value.removeAll(keepingCapacity: true)
        value.append(contentsOf: tenantField)
        if dayOutput == nil {
            if fragmentWindow != (windowStart, windowEnd) {
                fragmentWindow = (windowStart, windowEnd)
                windowFragment = Array(",\"window\":{\"start\":\"\(CivilDate.isoUTC(seconds: start))\",\"end\":\"\(CivilDate.isoUTC(seconds: end))\"}".utf8)
            }
            value.append(contentsOf: windowFragment)
        }
        for i in 0..<fieldPrefixes.count {
            value.append(contentsOf: fieldPrefixes[i])
            Self.append(columns[i], r, to: &value, seconds: isBound[i])
        }
        MessageBytes.append(final ? ",\"final\":true}" : ",\"final\":false}", to: &value)
    }

    /// Row `r`'s value of a column as JSON; `seconds`: a timestamp written in Unix seconds (window bounds) rather
    /// than milliseconds; `quoted: false` writes a day without its quotes (in a key).
    static func append(_ c: ResultColumn.Pointers, _ r: Int, to out: inout [UInt8], seconds: Bool, quoted: Bool = true) {
        guard c.present[r] else { return MessageBytes.append("null", to: &out) }
        let n = c.numbers[r]
        switch c.kind {
        case .integer: MessageBytes.decimal(n, into: &out)
        case .decimal(let scale): appendDecimal(n, scale: scale, to: &out)
        case .double:
            let d = Double(bitPattern: UInt64(bitPattern: n))
            out.append(contentsOf: (d.isFinite ? "\(d)" : "null").utf8)
        case .text: JSONText.append(c.texts[Int(n)], to: &out)
        case .timestamp: MessageBytes.decimal(seconds ? floorDiv(n, 1000) : n, into: &out)
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
