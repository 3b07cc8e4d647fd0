import TripSQLite

/// Table-by-table comparison of two mirrors (e.g. a clean replay and one that was killed and resumed).
public struct TableVerdict: Sendable, Equatable {
    public var table: String
    public var rows: Int
    /// Rows present in the first mirror but not the second, and the other way round.
    public var onlyInFirst: [String]
    public var onlyInSecond: [String]
    public var identical: Bool { onlyInFirst.isEmpty && onlyInSecond.isEmpty }
}

public enum MirrorComparison {
    public static func compare(_ a: SQLiteDatabase, _ b: SQLiteDatabase, tenant: String,
                               tables: [String] = MirrorSchema.allTables) throws -> [TableVerdict] {
        let left = try SQLiteMirror.canonicalDump(a, tenant: tenant, tables: tables)
        let right = try SQLiteMirror.canonicalDump(b, tenant: tenant, tables: tables)
        return tables.map { table in
            let l = left[table] ?? [], r = right[table] ?? []
            let ls = Set(l), rs = Set(r)
            return TableVerdict(table: table, rows: l.count,
                                onlyInFirst: l.filter { !rs.contains($0) }, onlyInSecond: r.filter { !ls.contains($0) })
        }
    }
}
