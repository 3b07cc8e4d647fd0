import Foundation
import Testing
import TripCore
import TripFixtures
import TripPipeline
import TripSinks
import TripSQLite
import TripTesting

/// The same bytes replay alike in both orders: every line-end style, records the grammar breaks, and one
/// over the record size limit give the same results and the same dead letters (position, reason, raw).
@Suite struct RecordGrammarEndToEndTests {
    @Test func bothOrdersDecodeTrickyRecordsIdentically() throws {
        let dir = scratchDirectory()
        var o = GeneratorOptions()
        o.rows = 800
        o.seed = 21
        o.tripsPerDay = 400
        let generator = try TripGenerator(options: o)
        let ends = ["\n", "\r\n", "\r\r\n", "\r"]
        var text = TripGenerator.header + "\r\r\n"
        var k = 0
        while let row = generator.next() {
            text += row.line + ends[k % ends.count]
            k += 1
            if k == 200 { text += "long-record," + String(repeating: "x", count: 10_000) + "\r\n" }
            if k == 400 { text += "\"quoted\"then text,a\r\r\n" }
            if k == 600 { text += "a,\"two\r\nlines\",b\r" }
        }
        let path = "\(dir)/tricky.csv"
        try text.write(toFile: path, atomically: true, encoding: .utf8)

        var dumps: [[String: [String]]] = []
        var deadLetters: [[String]] = []
        for order in [ReplayOrder.file, .eventTime] {
            let db = "\(dir)/\(order.rawValue).sqlite"
            var job = ReplayJob(input: path, order: order, database: db, config: .chicago,
                                sortMemoryBytes: 64 << 10, spillDirectory: dir)
            job.maxRecordBytes = 4096
            let summary = try job.run(logger: quietLogger)
            #expect(summary.counters.rowsRead == 803, "\(order)")
            #expect(summary.counters.rowsRejected == 3, "\(order)")
            let sqlite = try SQLiteDatabase(path: db)
            dumps.append(try SQLiteMirror.canonicalDump(sqlite, tenant: "tenantstreamapp", tables: MirrorSchema.resultTables))
            deadLetters.append(try sqlite.rows("SELECT position, query, reason, length(raw) FROM dead_letters ORDER BY 1, 2")
                .map { $0.map(\.description).joined(separator: "|") })
        }
        #expect(dumps[0] == dumps[1])
        #expect(deadLetters[0] == deadLetters[1])
        #expect(deadLetters[0].count == 3)
        #expect(deadLetters[0].contains { $0.contains("record longer than 4096 bytes") && $0.hasSuffix("|1024") })
        #expect(dumps[0]["sum_fare_window"]!.count > 10)
    }
}
