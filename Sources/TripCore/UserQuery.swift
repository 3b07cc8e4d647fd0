/// A query the configuration defines by its SQL text, beside the four built-ins (`queries.<name>.sql`).
///
/// TripCore keeps the text as written: TripSQL (which depends on TripCore) compiles it, and the CLI's resolve
/// step replaces it by its normalized form, so the fingerprint follows the query, not its spelling.
public struct UserQuery: Sendable, Equatable {
    public var name: String
    public var sql: String
    public var watermarkDelay: EventTime
    public var mode: OutputMode
    /// A disabled query is checked but not run.
    public var enabled: Bool

    public init(name: String, sql: String, watermarkDelay: EventTime, mode: OutputMode, enabled: Bool = true) {
        self.name = name
        self.sql = sql
        self.watermarkDelay = watermarkDelay
        self.mode = mode
        self.enabled = enabled
    }

    /// The mode of a new query that names none: each window once, when final, as windowed SQL emits by default.
    public static let defaultMode = OutputMode.append

    /// Names a query cannot take: the mirror's tables besides the results (Sources/TripSinks/MirrorSchema.swift,
    /// TextDictionary.swift) and the view over `hotspot_window_by_id`. A query's results will be a mirror table
    /// of its name, or a view of its name over `<name>_by_id` (so no query name ends in `_by_id`).
    public static let reservedNames: Set<String> = [
        "dead_letters", "progress", "query_progress", "meta", "locations", "texts", "hotspot_window_by_id",
        "sql_queries",
    ]

    /// Why `name` cannot name a query, or nil when it can: a lower-case letter, then up to 62 lower-case
    /// letters, digits or '_' (a bare SQL identifier, a table name, part of a topic name), not reserved.
    public static func problem(withName name: String) -> String? {
        let bytes = Array(name.utf8)
        let valid = (1...63).contains(bytes.count) && (0x61...0x7A).contains(bytes[0])
            && bytes.allSatisfy { (0x61...0x7A).contains($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
        guard valid else {
            return "not a valid query name: use a lower-case letter, then up to 62 lower-case letters, digits or '_'"
        }
        if reservedNames.contains(name) { return "reserved: the mirror has a table of that name" }
        if name.hasSuffix("_by_id") { return "reserved: the mirror keeps the rows of a query x with text groups in x_by_id" }
        if name.hasPrefix("sqlite_") { return "reserved: SQLite keeps names that start with sqlite_" }
        return nil
    }
}
