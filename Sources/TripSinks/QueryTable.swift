import TripCore
import TripEngine
import TripSQLite

/// The mirror table of a SQL query, made from its value: `tenant`, then a column per output in SELECT order,
/// then `final`. Window bounds are INTEGER Unix seconds and `day` TEXT `YYYY-MM-DD` (as the built-ins' tables),
/// integers INTEGER, decimals REAL (the exact fixed-point value over 10^scale: money in currency units, as the
/// built-ins), AVG without ROUND REAL, text TEXT, MIN/MAX of a timestamp INTEGER Unix milliseconds, NULL as NULL.
///
/// Text group values are stored as ids (`TextDictionary`), as the built-in `hotspot_window` stores locations:
/// then the rows live in `<name>_by_id`, each such column replaced by an INTEGER id column, and `<name>` is a
/// view with the columns above. Readers see the same table either way.
///
/// A row's key is the tenant, its window (bounds or day) and its group values. SQL groups NULLs together, so a
/// group value may be NULL, which a primary key cannot hold (and a UNIQUE index treats as distinct): then the key
/// is a UNIQUE index over the group columns with NULL mapped to an empty BLOB (`ifnull(company_id, x'')`; no
/// number equals a BLOB); when WHERE rules NULL group values out it is a primary key (`ddl`). Either way rows are
/// upserted by key in multi-row statements as the built-ins' are: idempotent.
public struct QueryTable: Sendable {
    public let query: AnalyticQuery
    public var name: String { query.name }
    /// The outputs that identify a row (window bounds or day, group columns), in SELECT order.
    public let keyOutputs: [Int]
    /// Per output: a timestamp stored as Unix seconds (window bounds) rather than milliseconds (MIN/MAX).
    let storesSeconds: [Bool]
    /// The text group outputs, stored as ids, in output order.
    public let interned: [InternedOutput]

    /// A text group output stored as the id of its value in `dictionary`, in column `idColumn`.
    public struct InternedOutput: Sendable {
        public let output: Int
        public let dictionary: TextDictionary
        public let idColumn: String
    }

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
        interned = Self.internedOutputs(of: query)
    }

    /// Each text group output's dictionary and id column: `location_id` for a query's only location column (the
    /// built-in `hotspot_window_by_id`'s), else the output's name + `_id`, made unique among the columns.
    static func internedOutputs(of query: AnalyticQuery) -> [InternedOutput] {
        let texts = query.outputs.indices.compactMap { i -> (Int, TextDictionary)? in
            guard case .group(let j) = query.outputs[i].source, query.outputs[i].type == .text else { return nil }
            return (i, TextDictionary.of(query.groupKey.columns[j]))
        }
        let locations = texts.filter { $0.1 == .locations }.count
        var taken = Set(query.outputs.map(\.name) + ["tenant", "final"])
        return texts.map { i, dictionary in
            var id = dictionary == .locations && locations == 1 ? "location_id" : query.outputs[i].name + "_id"
            while taken.contains(id) { id += "_id" }
            taken.insert(id)
            return InternedOutput(output: i, dictionary: dictionary, idColumn: id)
        }
    }

    /// The table that holds the rows: `name`, or `<name>_by_id` behind the view `name` when text groups are ids.
    public var storageName: String { interned.isEmpty ? name : name + "_by_id" }

    /// The stored table's columns: `columns`, with each interned output's id column (INTEGER) in its place.
    public var storedColumns: [(name: String, type: String)] {
        var stored = columns
        for t in interned { stored[t.output + 1] = (t.idColumn, "INTEGER") }
        return stored
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
    /// made by either shape keeps working. Columns that are never NULL say so: the key's when it is a primary
    /// key, window bounds and days, counts.
    public var ddl: String {
        let keyed = query.groupValuesAreNeverNull
        let stored = storedColumns
        let keyNames = keyOutputs.map { Self.quoted(stored[$0 + 1].name) }
        let defs = stored.indices.map { c in
            let notNull = c == 0 || c == stored.count - 1 || neverNull(output: c - 1, keyed: keyed)
            return "\(Self.quoted(stored[c].name)) \(stored[c].type)\(notNull ? " NOT NULL" : "")"
        }
        let dictionaries = Set(interned.map(\.dictionary)).sorted { $0.table < $1.table }.map(\.ddl)
        let table = Self.quoted(storageName)
        if keyed {
            return (dictionaries + ["""
                CREATE TABLE IF NOT EXISTS \(table)(\(defs.joined(separator: ", ")),
                    PRIMARY KEY (\((keyNames + ["tenant"]).joined(separator: ", ")))) WITHOUT ROWID;
                """] + viewDDL).joined(separator: "\n")
        }
        let key = ["tenant"] + zip(keyOutputs, keyNames).map { i, column -> String in
            if case .group = query.outputs[i].source { return "ifnull(\(column), x'')" }
            return column  // window bounds and days are never NULL
        }
        return (dictionaries + ["""
            CREATE TABLE IF NOT EXISTS \(table)(\(defs.joined(separator: ", ")));
            CREATE UNIQUE INDEX IF NOT EXISTS \(Self.quoted(storageName + " key")) ON \(table)(\(key.joined(separator: ", ")));
            """] + viewDDL).joined(separator: "\n")
    }

    func neverNull(output i: Int, keyed: Bool) -> Bool {
        switch query.outputs[i].source {
        case .windowStart, .windowEnd, .day: true
        case .group: keyed
        case .aggregate(let k): query.aggregates[k].kind == .countRows || query.aggregates[k].kind == .count
        }
    }

    /// The view `name` over `<name>_by_id` with the outputs' names and values (none without interned outputs).
    /// Ids of NULL group values are NULL: a query that may have them joins its dictionaries with LEFT JOIN.
    var viewDDL: [String] {
        guard !interned.isEmpty else { return [] }
        let outerJoins = !query.groupValuesAreNeverNull
        var joins: [String] = []
        let select = columns.indices.map { c -> String in
            let column = Self.quoted(columns[c].name)
            guard c > 0, let t = interned.first(where: { $0.output == c - 1 }) else { return "h.\(column) AS \(column)" }
            let alias = "d\(joins.count)"
            joins.append("\(outerJoins ? "LEFT JOIN" : "JOIN") \(t.dictionary.table) \(alias) ON \(alias).id = h.\(Self.quoted(t.idColumn))")
            return "\(alias).\(t.dictionary.textColumn) AS \(column)"
        }
        return ["""
            CREATE VIEW IF NOT EXISTS \(Self.quoted(name)) AS SELECT \(select.joined(separator: ", "))
                FROM \(Self.quoted(storageName)) h \(joins.joined(separator: " "));
            """]
    }

    /// Moves the rows of a table `name` made by a build that stored text group values inline into the id layout,
    /// then puts the view in its place; runs after `ddl` (whose view was a no-op beside that table), in one
    /// transaction.
    var migrationFromInline: String {
        var sql: [String] = []
        var joins: [String] = []
        let from = Self.quoted(name)
        var select = columns.map { "t.\(Self.quoted($0.name))" }
        for (k, t) in interned.enumerated() {
            let column = Self.quoted(columns[t.output + 1].name), d = t.dictionary
            sql.append("INSERT OR IGNORE INTO \(d.table)(\(d.textColumn)) SELECT DISTINCT \(column) FROM \(from) WHERE \(column) IS NOT NULL ORDER BY 1;")
            joins.append("LEFT JOIN \(d.table) d\(k) ON d\(k).\(d.textColumn) = t.\(column)")
            select[t.output + 1] = "d\(k).id"
        }
        let stored = storedColumns.map { Self.quoted($0.name) }.joined(separator: ", ")
        sql.append("INSERT OR REPLACE INTO \(Self.quoted(storageName))(\(stored)) SELECT \(select.joined(separator: ", ")) FROM \(from) t \(joins.joined(separator: " "));")
        sql.append("DROP TABLE \(from);")
        sql += viewDDL
        return sql.joined(separator: "\n")
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

    /// Rows 0 ..< `rows` in the order of the stored key (window, then groups; NULL first), equal keys by row.
    /// Every key column is a number once text groups are ids. The usual key — a window and one group whose values
    /// fit 32 bits — is radix-sorted (`KeyOrder`), others by comparison.
    func keyOrder(_ columns: UnsafeBufferPointer<ResultColumn.Pointers>, rows: Int) -> [Int] {
        let groups = keyOutputs.filter { if case .group = query.outputs[$0].source { true } else { false } }
        if groups.count == 1, let window = keyOutputs.first, window != groups[0] {
            let g = columns[groups[0]], w = columns[window]
            var keys: [GroupedWindowKey] = []
            keys.reserveCapacity(rows)
            for r in 0..<rows {
                let value = g.present[r] ? g.numbers[r] : -1
                guard let group = Int32(exactly: value) else { break }
                keys.append(GroupedWindowKey(start: w.numbers[r], group: group))
            }
            if keys.count == rows { return KeyOrder.sortedIndices(keys) }
        }
        return (0..<rows).sorted { a, b in
            for i in keyOutputs {
                let c = columns[i]
                let x = c.present[a] ? c.numbers[a] : .min, y = c.present[b] ? c.numbers[b] : .min
                if x != y { return x < y }
            }
            return a < b
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
    /// under the same name), or nil. `existing` is `PRAGMA table_info`'s (name, type) list, empty if no table;
    /// `existingIsView`: it is the view over `<name>_by_id` (the old query had text groups), which the way out
    /// must drop with its table.
    public func mismatch(existing: [(name: String, type: String)], existingIsView: Bool = false) -> String? {
        guard !existing.isEmpty else { return nil }
        let want = columns
        if existing.count == want.count && zip(existing, want).allSatisfy({ $0.name == $1.name && $0.type == $1.type }) {
            return nil
        }
        let have = existing.map { "\($0.name) \($0.type)" }.joined(separator: ", ")
        let need = want.map { "\($0.name) \($0.type)" }.joined(separator: ", ")
        return "the mirror's table \(name) has columns (\(have)), but the query \(name) writes (\(need)); "
            + "the query was changed under the same name: use a new --db, or drop the table ("
            + (existingIsView ? "DROP VIEW \(name); DROP TABLE \(name)_by_id)" : "DROP TABLE \(name))")
    }
}
