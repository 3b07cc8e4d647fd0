import Foundation
import Testing
@testable import TripHTTP
import TripSQLite

/// The API's JSON writer, checked by parsing its text with Foundation's (independent) parser.
@Suite struct JSONBuilderTests {
    func parse(_ text: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    /// Every control character, quote and backslash is escaped, non-ASCII passes as UTF-8: keys and values
    /// parse back to the very strings given.
    @Test func stringsRoundTripThroughAJSONParser() throws {
        let controls = String(decoding: (0..<0x20).map { UInt8($0) }, as: UTF8.self)
        let strings = [controls, "\"quoted\" \\ back/slash", "é ü ß 漢字 🚕 \u{2028}\u{2029} \u{7F}", "", "a\u{0}b"]
        var j = JSONBuilder()
        j.beginObject()
        for (i, s) in strings.enumerated() { j.field("k\(i)" + s, s) }
        j.beginArray("list")
        for s in strings { j.element(s) }
        j.endArray()
        j.endObject()
        let object = try #require(try parse(j.text) as? [String: Any])
        for (i, s) in strings.enumerated() { #expect(object["k\(i)" + s] as? String == s, "string \(i)") }
        #expect(object["list"] as? [String] == strings)
        // The text itself has no raw control character left (JSON forbids them inside strings).
        #expect(!j.text.utf8.contains { $0 < 0x20 })
        var short = JSONBuilder()
        short.element("a\u{1}\n\t\r\u{1F}\"\\é")
        #expect(short.text == #""a\u0001\n\t\r\u001f\"\\é""#)
    }

    /// Commas and brackets at every depth, nil as null, numbers JSON can hold; NaN and infinity (which JSON
    /// cannot) as null.
    @Test func nestedValuesAndNumbersParse() throws {
        var j = JSONBuilder()
        j.beginObject()
        j.field("min", Int64.min)
        j.field("max", Int.max)
        j.field("none", nil as String?)
        j.field("yes", true)
        j.field("ratio", 0.1)
        j.field("tiny", Double.leastNonzeroMagnitude)
        j.field("nan", Double.nan)
        j.field("inf", -Double.infinity)
        j.beginArray("empty")
        j.endArray()
        j.beginObject("inner")
        j.beginArray("rows")
        for v: SQLiteValue in [.null, .integer(-3), .real(2.5), .text("x\"y")] {
            j.beginObject()
            j.field("v", v)
            j.endObject()
        }
        j.endArray()
        j.endObject()
        j.endObject()
        let o = try #require(try parse(j.text) as? [String: Any])
        #expect((o["min"] as? NSNumber)?.int64Value == .min && (o["max"] as? NSNumber)?.intValue == .max)
        #expect(o["none"] is NSNull && o["nan"] is NSNull && o["inf"] is NSNull)
        #expect(o["yes"] as? Bool == true)
        #expect(o["ratio"] as? Double == 0.1 && o["tiny"] as? Double == Double.leastNonzeroMagnitude)
        #expect((o["empty"] as? [Any])?.isEmpty == true)
        let rows = try #require((o["inner"] as? [String: Any])?["rows"] as? [[String: Any]])
        #expect(rows.count == 4 && rows[0]["v"] is NSNull && (rows[1]["v"] as? NSNumber)?.intValue == -3)
        #expect(rows[2]["v"] as? Double == 2.5 && rows[3]["v"] as? String == "x\"y")
        // Keys in the order written: the documented order of the API's objects.
        #expect(j.text.hasPrefix(#"{"min":-9223372036854775808,"max":9223372036854775807,"none":null,"yes":true,"#))
    }
}
