import Testing
import TripSQLite
@testable import TripSinks
import TripTesting

/// `BatchedUpsert` inserts batches with `OR IGNORE` and falls back to `OR REPLACE` once a batch meets existing
/// keys: the rows must end as `INSERT OR REPLACE` alone would leave them, whichever rows of a batch conflict.
@Suite struct BatchedUpsertTests {
    func table(_ name: String) throws -> SQLiteDatabase {
        let db = try SQLiteDatabase(path: scratchFile(name))
        try db.execute("CREATE TABLE t(tenant TEXT NOT NULL, k INTEGER NOT NULL, v INTEGER NOT NULL, PRIMARY KEY (k, tenant)) WITHOUT ROWID")
        return db
    }

    func write(_ rows: [(k: Int64, v: Int64)], _ db: SQLiteDatabase, batchSize: Int = 8) throws {
        let upsert = BatchedUpsert(table: "t", columns: ["k", "v"], fixed: [("tenant", "'a'")], batchSize: batchSize)
        try db.transaction {
            try upsert.write(rows, in: db) { r, s, i in
                try s.bind(r.k, at: i)
                try s.bind(r.v, at: i + 1)
            }
        }
    }

    func contents(_ db: SQLiteDatabase) throws -> [Int64: Int64] {
        var out: [Int64: Int64] = [:]
        for row in try db.rows("SELECT k, v FROM t WHERE tenant = 'a'") { out[row[0].int64!] = row[1].int64! }
        return out
    }

    @Test func newKeysConflictingKeysAndTheTailAllEndAsReplaced() throws {
        let db = try table("upsert.sqlite")
        var expected: [Int64: Int64] = [:]
        func apply(_ rows: [(k: Int64, v: Int64)]) throws {
            try write(rows, db)
            for r in rows { expected[r.k] = r.v }
            #expect(try contents(db) == expected)
        }
        try apply((0..<30).map { ($0, $0) })                          // three batches of 8 new keys, a tail of 2 + 2 + 2
        try apply((0..<30).map { ($0, $0) })                          // the same again (a re-applied epoch)
        try apply((20..<60).map { ($0, $0 * 10) })                    // first batch half old keys, new values
        try apply((100..<107).map { ($0, 1) } + [(5, -5)] + (107..<130).map { ($0, 1) })  // one old key, last in its batch
        try apply((200..<216).map { ($0, 2) } + (0..<8).map { ($0, 7) })  // new batches first, then a conflicting one
        try apply((300..<310).map { ($0, 3) } + [(0, 99)])          // 8, then 2 new, then 1 old in the tail
        #expect(expected.count == 30 + 30 + 30 + 16 + 10)
    }

    @Test func aNullInANotNullColumnStillFails() throws {
        let db = try table("upsert-null.sqlite")
        let upsert = BatchedUpsert(table: "t", columns: ["k", "v"], fixed: [("tenant", "'a'")], batchSize: 4)
        // OR IGNORE would skip such a row silently; the fallback to OR REPLACE makes SQLite refuse it.
        #expect(throws: SQLiteError.self) {
            try db.transaction {
                try upsert.write(Array(0..<4), in: db) { r, s, i in
                    try s.bind(Int64(r), at: i)
                    try s.bind(r == 2 ? nil : 1.0, at: i + 1)
                }
            }
        }
        #expect(try contents(db).isEmpty)
    }
}
