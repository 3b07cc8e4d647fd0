import TripCore
import TripEngine
import TripSQLite

/// The mirror table of a SQL query, made from its value: `tenant`, then a column per output in SELECT order,
/// then `final`. Window bounds are INTEGER Unix seconds and `day` TEXT `YYYY-MM-DD` (as the built-ins' tables),
/// integers INTEGER, decimals REAL (the exact fixed-point value over 10^scale: money in currency units, as the
/// built-ins), AVG without ROUND REAL, text TEXT, MIN/MAX of a timestamp INTEGER Unix milliseconds, NULL as NULL.
///
/// A row's key is the tenant, its window (bounds or day) and its group values. SQL groups NULLs together, so a
/// group value may be NULL, which a primary key cannot hold (and a UNIQUE index treats as distinct): then the key
/// is a UNIQUE index over the group columns with NULL mapped to an empty BLOB (`ifnull(company, x'')`; no text or
/// number equals a BLOB); when WHERE rules NULL group values out it is a primary key (`ddl`). Either way rows are
/// upserted by key in multi-row statements as the built-ins' are: idempotent.
public struct QueryTable: Sendable {
    public let query: AnalyticQuery
    public var name: String { query.name }
    /// The outputs that identify a row (window bounds or day, group columns), in SELECT order.
    public let keyOutputs: [Int]
    /// Per output: a timestamp stored as Unix seconds (window bounds) rather than milliseconds (MIN/MAX).
    let storesSeconds: [Bool]

    public init(_ query: AnalyticQuery) {
        self.query = query
        storesSeconds = query.outputs.map {
            switch $0.source {
            case .windowStart, .windowEnd: true
            default: false
            }
        }
        keyOutputs = query.outputs.indices.filter {
            switch query.outputs[$0].source {
            case .windowStart, .windowEnd, .day, .group: true
            case .aggregate: false
            }
        }
    }

    /// The SQLite type of an output column.
    public static func sqlType(_ type: ValueType) -> String {
        switch type {
        case .integer, .timestamp: "INTEGER"
        case .decimal, .double: "REAL"
        case .text, .date: "TEXT"
        }
    }

    /// Column names and SQLite types as the table has them, `tenant` and `final` included.
    public var columns: [(name: String, type: String)] {
        [("tenant", "TEXT")] + query.outputs.map { ($0.name, Self.sqlType($0.type)) } + [("final", "INTEGER")]
    }

    /// An SQL identifier in double quotes.
    public static func quoted(_ name: String) -> String { "\"" + name.replacing("\"", with: "\"\"") + "\"" }

    /// When WHERE keeps every group value non-NULL (`groupValuesAreNeverNull`, as the built-in hotspots'
    /// `IS NOT NULL`), the key is the primary key of a `WITHOUT ROWID` table, in the built-ins' order (window,
    /// groups, tenant): one B-tree per row instead of a table and an index. Otherwise a UNIQUE index with NULL
    /// mapped to an empty BLOB. The upserts (`INSERT OR IGNORE/REPLACE`) name no conflict target, so a table
    /// made by either shape keeps working.
    public var ddl: String {
        let keyed = query.groupValuesAreNeverNull
        let keyNames = Set(keyOutputs.map { query.outputs[$0].name })
        let defs = columns.map { c in
            let notNull = c.name == "tenant" || c.name == "final" || (keyed && keyNames.contains(c.name))
            return "\(Self.quoted(c.name)) \(c.type)\(notNull ? " NOT NULL" : "")"
        }
        if keyed {
            let key = keyOutputs.map { Self.quoted(query.outputs[$0].name) } + ["tenant"]
            return """
                CREATE TABLE IF NOT EXISTS \(Self.quoted(name))(\(defs.joined(separator: ", ")),
                    PRIMARY KEY (\(key.joined(separator: ", ")))) WITHOUT ROWID;
                """
        }
        let key = ["tenant"] + keyOutputs.map { i -> String in
            let column = Self.quoted(query.outputs[i].name)
            if case .group = query.outputs[i].source { return "ifnull(\(column), x'')" }
            return column  // window bounds and days are never NULL
        }
        return """
            CREATE TABLE IF NOT EXISTS \(Self.quoted(name))(\(defs.joined(separator: ", ")));
            CREATE UNIQUE INDEX IF NOT EXISTS \(Self.quoted(name + " key")) ON \(Self.quoted(name))(\(key.joined(separator: ", ")));
            """
    }

    /// Binds row `row` of output `index`'s result column as the table stores it, at parameter `parameter`: one
    /// typed bind per value, no `ResultValue` or `SQLiteValue` made in between, no reference counted (the commit
    /// thread writes every changed row of every query this way).
    func bind(_ column: ResultColumn.Pointers, row: Int, output index: Int, to s: SQLiteStatement,
              at parameter: Int32) throws {
        guard column.present[row] else { return try s.bindNull(at: parameter) }
        let n = column.numbers[row]
        switch column.kind {
        case .integer: try s.bind(n, at: parameter)
        case .decimal(let scale): try s.bind(Double(n) / Self.powerOfTen(scale), at: parameter)
        case .double: try s.bind(Double(bitPattern: UInt64(bitPattern: n)), at: parameter)
        case .text: try s.bind(text: column.texts[Int(n)], at: parameter)
        case .timestamp: try s.bind(storesSeconds[index] ? floorDiv(n, 1000) : n, at: parameter)
        case .date: try s.bind(text: CivilDate.isoDay(Int(n)), at: parameter)
        }
    }

    /// 10^scale as a Double (exact up to 10^22, and scales are at most 9): a fixed-point value divided by it is
    /// the double nearest the exact decimal.
    static func powerOfTen(_ scale: Int) -> Double {
        var p = 1.0
        for _ in 0..<scale { p *= 10 }
        return p
    }

    /// Why an existing table of this name cannot take this query's rows (other columns: the query was changed
    /// under the same name), or nil. `existing` is `PRAGMA table_info`'s (name, type) list, empty if no table.
    public func mismatch(existing: [(name: String, type: String)]) -> String? {
        guard !existing.isEmpty else { return nil }
        let want = columns
        if existing.count == want.count && zip(existing, want).allSatisfy({ $0.name == $1.name && $0.type == $1.type }) {
            return nil
        }
        let have = existing.map { "\($0.name) \($0.type)" }.joined(separator: ", ")
        let need = want.map { "\($0.name) \($0.type)" }.joined(separator: ", ")
        return "the mirror's table \(name) has columns (\(have)), but the query \(name) writes (\(need)); "
            + "the query was changed under the same name: use a new --db, or drop the table (DROP TABLE \(name))"
    }
}
