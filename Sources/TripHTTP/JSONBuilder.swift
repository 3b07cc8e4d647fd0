import TripCore
import TripSQLite

/// Builds compact JSON text by appending (no Foundation encoder: responses are rows of numbers and short
/// strings, and the order of keys should be the documented one).
struct JSONBuilder {
    private(set) var text = ""
    private var needsComma: [Bool] = [false]

    mutating func beginObject(_ key: String? = nil) { open(key, "{") }
    mutating func endObject() { close("}") }
    mutating func beginArray(_ key: String? = nil) { open(key, "[") }
    mutating func endArray() { close("]") }

    mutating func field(_ key: String, _ value: String?) { raw(key, value.map(JSONText.string) ?? "null") }
    mutating func field(_ key: String, _ value: Int64?) { raw(key, value.map { "\($0)" } ?? "null") }
    mutating func field(_ key: String, _ value: Int?) { raw(key, value.map { "\($0)" } ?? "null") }
    mutating func field(_ key: String, _ value: Double?) { raw(key, value.map(Self.number) ?? "null") }
    mutating func field(_ key: String, _ value: Bool) { raw(key, value ? "true" : "false") }
    mutating func field(_ key: String, _ value: SQLiteValue) { raw(key, Self.json(value)) }
    mutating func element(_ value: String) { raw(nil, JSONText.string(value)) }

    /// A value already in JSON form.
    mutating func raw(_ key: String?, _ json: String) {
        separate()
        if let key { text += JSONText.string(key) + ":" }
        text += json
    }

    static func json(_ value: SQLiteValue) -> String {
        switch value {
        case .null: "null"
        case .integer(let i): "\(i)"
        case .real(let d): number(d)
        case .text(let s): JSONText.string(s)
        }
    }

    /// JSON has no NaN or infinity; Swift's shortest round-trip form otherwise.
    static func number(_ d: Double) -> String { d.isFinite ? "\(d)" : "null" }

    private mutating func open(_ key: String?, _ bracket: String) {
        raw(key, bracket)
        needsComma.append(false)
    }

    private mutating func close(_ bracket: String) {
        needsComma.removeLast()
        text += bracket
    }

    private mutating func separate() {
        if needsComma[needsComma.count - 1] { text += "," }
        needsComma[needsComma.count - 1] = true
    }
}
