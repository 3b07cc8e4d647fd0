import TripCore

/// A trip's values as text the decoders read back: the event time as ISO 8601 UTC with milliseconds,
/// money as a decimal in dollars. For the round trips: decode → these texts → decode gives the same trip.
enum TripText {
    /// nil outside the years ISO 8601's four digits can write.
    static func isoMilliseconds(_ ms: EventTime) -> String? {
        guard ms > -62_135_596_800_000, ms < 253_402_300_800_000 else { return nil }  // years 1 … 9999
        let seconds = floorDiv(ms, 1000), milli = floorMod(ms, 1000)
        let text = CivilDate.isoUTC(seconds: seconds)
        guard text.hasSuffix("Z") else { return nil }
        return String(text.dropLast()) + "." + String(String(milli + 1000).dropFirst()) + "Z"
    }

    static func dollars(_ cents: Int64) -> String {
        let magnitude = cents.magnitude
        let fraction = String(String(magnitude % 100 + 100).dropFirst())
        return (cents < 0 ? "-" : "") + "\(magnitude / 100).\(fraction)"
    }

    /// A JSON string literal (quotes, backslashes and control bytes escaped; other bytes as they are, valid
    /// UTF-8 or not, as the decoder takes them). A space at either end is escaped too: the decoder trims
    /// the raw text before unescaping, so only an escaped space survives there.
    static func jsonString(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x22]
        for (i, b) in bytes.enumerated() {
            switch b {
            case 0x20 where i == 0 || i == bytes.count - 1: out += Array("\\u0020".utf8)
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0..<0x20: out += Array("\\u00\(b < 16 ? "0" : "")\(String(b, radix: 16))".utf8)
            default: out.append(b)
            }
        }
        out.append(0x22)
        return out
    }
}
