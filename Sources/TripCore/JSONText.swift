/// JSON text for the few values tripstream writes by hand (CLI output, Kafka messages, connector config).
public enum JSONText {
    /// Appends `s` as a JSON string literal to `out` (no String made when nothing needs escaping).
    public static func append(_ s: String, to out: inout [UInt8]) {
        var s = s
        let plain = s.withUTF8 { bytes in
            for b in bytes where b == 0x22 || b == 0x5C || b < 0x20 { return false }
            out.append(0x22)
            out.append(contentsOf: bytes)
            out.append(0x22)
            return true
        }
        if !plain {
            out.append(contentsOf: string(s).utf8)
        }
    }

    /// A JSON string literal, escaped.
    public static func string(_ s: String) -> String {
        // Most values (locations, days, names) need no escaping at all.
        if !s.utf8.contains(where: { $0 == 0x22 || $0 == 0x5C || $0 < 0x20 }) { return "\"" + s + "\"" }
        var out: [UInt8] = [0x22]
        out.reserveCapacity(s.utf8.count + 16)
        let hex = Array("0123456789abcdef".utf8)
        for b in s.utf8 {
            switch b {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x0A: out += [0x5C, 0x6E]
            case 0x0D: out += [0x5C, 0x72]
            case 0x09: out += [0x5C, 0x74]
            case 0..<0x20: out += [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]]
            default: out.append(b)
            }
        }
        out.append(0x22)
        return String(decoding: out, as: UTF8.self)
    }
}

extension DeadLetter {
    /// The dead letter of a trip that was late for `query`: behind that query's watermark for all its windows.
    public static func late(_ query: QueryName, eventTime: EventTime, watermark: EventTime, offset: Int64,
                            raw: (text: String, bytes: [UInt8]?), source: String? = nil) -> DeadLetter {
        DeadLetter(query: query, offset: offset, reason: "late",
                   detail: lateDetail(query.rawValue, eventTime: eventTime, watermark: watermark),
                   raw: raw.text, rawBytes: raw.bytes, source: source)
    }

    /// The same for the SQL query `name`; `eventTime` is the row's value of that query's time column.
    public static func late(userQuery name: String, eventTime: EventTime, watermark: EventTime, offset: Int64,
                            raw: (text: String, bytes: [UInt8]?), source: String? = nil) -> DeadLetter {
        DeadLetter(query: nil, offset: offset, reason: "late",
                   detail: lateDetail(name, eventTime: eventTime, watermark: watermark),
                   raw: raw.text, rawBytes: raw.bytes, source: source, userQuery: name)
    }

    static func lateDetail(_ name: String, eventTime: EventTime, watermark: EventTime) -> String {
        "event time \(CivilDate.isoUTC(seconds: floorDiv(eventTime, 1000))) is behind the watermark "
            + "\(CivilDate.isoUTC(seconds: floorDiv(watermark, 1000))) for every window of \(name)"
    }
}
