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

    public init(query: AnalyticQuery, tenant: String) {
        table = QueryTable(query)
        keyPrefix = Array("\(tenant)|\(query.name)|".utf8)
        tenantField = Array("{\"tenant\":\(JSONText.string(tenant))".utf8)
        fieldPrefixes = query.outputs.map { Array(",\(JSONText.string($0.name)):".utf8) }
        dayOutput = query.groupKey.window == .day ? query.outputs.firstIndex { $0.source == .day } : nil
    }

    /// Builds the key and value of `row`.
    public mutating func build(_ row: QueryResultRow) {
        let start = floorDiv(row.windowStart, 1000), end = floorDiv(row.windowEnd, 1000)
        key.removeAll(keepingCapacity: true)
        key.append(contentsOf: keyPrefix)
        if let dayOutput {
            Self.append(row.values[dayOutput], to: &key, seconds: false, quoted: false)
        } else {
            MessageBytes.decimal(start, into: &key)
            key.append(0x7C)
            MessageBytes.decimal(end, into: &key)
        }
        for (i, output) in table.query.outputs.enumerated() {
            guard case .group = output.source else { continue }
            key.append(0x7C)
            switch row.values[i] {
            case .null: break
            case .text(let s):
                for b in s.utf8 {
                    if b == 0x7C || b == 0x5C { key.append(0x5C) }
                    key.append(b)
                }
            default: Self.append(row.values[i], to: &key, seconds: false)
            }
        }
        value.removeAll(keepingCapacity: true)
        value.append(contentsOf: tenantField)
        if dayOutput == nil {
            value.append(contentsOf: ",\"window\":{\"start\":\"\(CivilDate.isoUTC(seconds: start))\",\"end\":\"\(CivilDate.isoUTC(seconds: end))\"}".utf8)
        }
        for (i, output) in table.query.outputs.enumerated() {
            value.append(contentsOf: fieldPrefixes[i])
            let bounds = output.source == .windowStart || output.source == .windowEnd
            Self.append(row.values[i], to: &value, seconds: bounds)
        }
        value.append(contentsOf: (row.final ? ",\"final\":true}" : ",\"final\":false}").utf8)
    }

    /// A value as JSON; `seconds`: a timestamp written in Unix seconds (window bounds) rather than milliseconds;
    /// `quoted: false` writes a day without its quotes (in a key).
    static func append(_ v: ResultValue, to out: inout [UInt8], seconds: Bool, quoted: Bool = true) {
        switch v {
        case .null: out.append(contentsOf: "null".utf8)
        case .integer(let n): MessageBytes.decimal(n, into: &out)
        case .decimal(let n, let scale): appendDecimal(n, scale: scale, to: &out)
        case .double(let d): out.append(contentsOf: (d.isFinite ? "\(d)" : "null").utf8)
        case .text(let s): JSONText.append(s, to: &out)
        case .timestamp(let ms): MessageBytes.decimal(seconds ? floorDiv(ms, 1000) : ms, into: &out)
        case .date(let day): out.append(contentsOf: (quoted ? "\"\(CivilDate.isoDay(Int(day)))\"" : CivilDate.isoDay(Int(day))).utf8)
        }
    }

    /// `n` / 10^scale with exactly `scale` digits after the point (`-0.05`, `12.50`, `7`).
    static func appendDecimal(_ n: Int64, scale: Int, to out: inout [UInt8]) {
        guard scale > 0 else { MessageBytes.decimal(n, into: &out); return }
        if n < 0 { out.append(0x2D) }
        var digits = Array(String(n.magnitude).utf8)
        if digits.count <= scale { digits.insert(contentsOf: repeatElement(0x30, count: scale + 1 - digits.count), at: 0) }
        out.append(contentsOf: digits[..<(digits.count - scale)])
        out.append(0x2E)
        out.append(contentsOf: digits[(digits.count - scale)...])
    }
}
