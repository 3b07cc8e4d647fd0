import TripCore
import TripEngine
import TripSQLite

/// A mirror table that numbers text values, so that result tables key on small integers instead of the texts
/// (a pickup location is ~40 bytes; upserting a million hotspot rows keyed on it was the replay's largest cost,
/// docs/performance.md). Shared by tenants and queries; ids never change and rows are never deleted.
public struct TextDictionary: Sendable, Equatable, Hashable {
    public let table: String
    public let textColumn: String

    /// The built-in hotspots' table of pickup locations; both location columns share it.
    public static let locations = TextDictionary(table: "locations", textColumn: "location")
    /// Every other text column's values.
    public static let texts = TextDictionary(table: "texts", textColumn: "text")

    /// The dictionary that numbers `column`'s values.
    public static func of(_ column: TripColumn) -> TextDictionary {
        column == .pickupCentroidLocation || column == .dropoffCentroidLocation ? .locations : .texts
    }

    var ddl: String { "CREATE TABLE IF NOT EXISTS \(table)(id INTEGER PRIMARY KEY, \(textColumn) TEXT NOT NULL UNIQUE);" }
}

/// One dictionary's ids as this mirror connection has looked them up, by text and by the emitting engine's index
/// of the text (so that most rows find their id without hashing the text). The text is compared before an index's
/// entry is used, so rows of another engine cannot take a wrong id. Used by one thread at a time, never
/// re-entrantly (no dynamic exclusivity checks).
final class TextIDCache {
    let dictionary: TextDictionary
    @exclusivity(unchecked) var byText: [String: Int64] = [:]
    /// Indexed by the engine's text index: the text, and its id (-1: none yet).
    @exclusivity(unchecked) var engineTexts: [String] = []
    @exclusivity(unchecked) var engineIDs: [Int64] = []

    init(_ dictionary: TextDictionary) {
        self.dictionary = dictionary
    }

    /// The id of `text`, which the engine numbers `index` (or -1), inserting it when new.
    @inline(__always)
    func id(of text: String, engineIndex index: Int, in db: SQLiteDatabase) throws -> Int64 {
        // The engine hands every row of a text the same String, so this compare is usually by identity.
        if index >= 0, index < engineIDs.count, engineIDs[index] >= 0, engineTexts[index] == text {
            return engineIDs[index]
        }
        return try firstID(of: text, engineIndex: index, in: db)
    }

    @inline(never)
    func firstID(of text: String, engineIndex index: Int, in db: SQLiteDatabase) throws -> Int64 {
        let id = try lookUp(text, in: db)
        if index >= 0 {
            if index >= engineIDs.count {
                engineIDs.append(contentsOf: repeatElement(-1, count: index + 1 - engineIDs.count))
                engineTexts.append(contentsOf: repeatElement("", count: index + 1 - engineTexts.count))
            }
            engineIDs[index] = id
            engineTexts[index] = text
        }
        return id
    }

    /// A text result column as a column of ids (NULL stays NULL).
    func ids(of column: ResultColumn, in db: SQLiteDatabase) throws -> ResultColumn {
        precondition(column.kind == .text, "ids of a \(column.kind) column")
        var numbers = [Int64](repeating: 0, count: column.count)
        for row in 0..<column.count where column.present[row] {
            let n = Int(column.numbers[row])
            numbers[row] = try id(of: column.texts[n], engineIndex: n, in: db)
        }
        return ResultColumn(kind: .integer, numbers: numbers, present: column.present)
    }

    func lookUp(_ text: String, in db: SQLiteDatabase) throws -> Int64 {
        if let id = byText[text] { return id }
        let d = dictionary
        let insert = try db.cached("INSERT OR IGNORE INTO \(d.table)(\(d.textColumn)) VALUES (?1)")
        try insert.bind(text: text, at: 1)
        try insert.execute()
        guard let id = try db.rows("SELECT id FROM \(d.table) WHERE \(d.textColumn) = ?", [.text(text)]).first?.first?.int64 else {
            throw SQLiteError(code: 0, message: "\(d.textColumn) \(text) missing right after its insert")
        }
        byText[text] = id
        return id
    }

    /// Forgets every id: ids looked up in a transaction that rolled back may not exist.
    func forget() {
        byText = [:]
        engineTexts = []
        engineIDs = []
    }
}
