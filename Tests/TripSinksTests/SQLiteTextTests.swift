import Testing
import TripSQLite

/// Texts go into SQLite and come back as their bytes, whatever they hold: a NUL inside a text is data, not its
/// end (bound with the text's length, read with the column's).
@Suite struct SQLiteTextTests {
    static let texts = ["", "plain", "a\u{0}b", "\u{0}", "end\u{0}", "POINT (-87.6\u{0}1 41.8)", "é\u{0}ü"]

    @Test func textsWithNULRoundTripAndFindTheirRow() throws {
        let db = try SQLiteDatabase(path: ":memory:")
        try db.execute("CREATE TABLE t(id INTEGER PRIMARY KEY, s TEXT NOT NULL UNIQUE)")
        let insert = try db.prepare("INSERT INTO t(s) VALUES (?1)")
        for (i, s) in Self.texts.enumerated() {
            // Both ways of binding a text: the typed bind and the value bind.
            if i % 2 == 0 { try insert.bind(text: s, at: 1) } else { try insert.bind([.text(s)]) }
            try insert.execute()
        }
        #expect(try db.scalar("SELECT COUNT(*) FROM t")?.int64 == Int64(Self.texts.count), "texts cut at a NUL collide")
        for (i, s) in Self.texts.enumerated() {
            #expect(try db.scalar("SELECT id FROM t WHERE s = ?", [.text(s)])?.int64 == Int64(i + 1), "\(Array(s.utf8))")
            #expect(try db.scalar("SELECT s FROM t WHERE id = ?", [.integer(Int64(i + 1))]) == .text(s), "\(Array(s.utf8))")
            #expect(try db.scalar("SELECT length(CAST(s AS BLOB)) FROM t WHERE id = ?", [.integer(Int64(i + 1))])?.int64
                    == Int64(s.utf8.count))
        }
    }
}
