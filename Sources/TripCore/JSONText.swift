/// JSON text for the few values tripstream writes by hand (CLI output, Kafka messages, connector config).
public enum JSONText {
    /// A JSON string literal, escaped.
    public static func string(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension DeadLetter {
    /// The dead letter of a trip that was late for `query`: behind that query's watermark for all its windows.
    public static func late(_ query: QueryName, eventTime: EventTime, watermark: EventTime, offset: Int64,
                            raw: String, source: String? = nil) -> DeadLetter {
        let detail = "event time \(CivilDate.isoUTC(seconds: floorDiv(eventTime, 1000))) is behind the watermark "
            + "\(CivilDate.isoUTC(seconds: floorDiv(watermark, 1000))) for every window of \(query.rawValue)"
        return DeadLetter(query: query, offset: offset, reason: "late", detail: detail, raw: raw, source: source)
    }
}
