import Foundation
import Testing
import TripCore
import TripFixtures
import TripPipeline
import TripSinks
import TripSQLite
import TripTesting

@Suite struct ReplayEndToEndTests {
    /// Event-time order on a disordered file with bad rows: nothing late, every table equals plain SQL over the truth.
    @Test func eventTimeOrderMatchesIndependentSQL() throws {
        let dir = scratchDirectory()
        var o = GeneratorOptions()
        o.rows = 6000
        o.seed = 11
        o.tripsPerDay = 1500
        o.disorder = 0.2
        o.maxLatenessSeconds = 6 * 3600
        o.badFraction = 0.01
        let file = try generate(o, in: dir)
        var config = TripstreamConfig.chicago
        config.epochRows = 700
        let db = "\(dir)/mirror.sqlite"
        let job = ReplayJob(input: file.path, order: .eventTime, database: db, config: config,
                            sortMemoryBytes: 256 << 10, spillDirectory: dir)  // small: forces several spill runs
        let summary = try job.run(logger: quietLogger)
        #expect(summary.counters.rowsRead == Int64(file.rows))
        #expect(summary.counters.rowsProcessed == Int64(file.truths.count))
        #expect(summary.counters.rowsRejected == Int64(file.badLines.count))
        #expect(summary.counters.rowsLate == 0)
        let sqlite = try SQLiteDatabase(path: db)
        try loadTruth(file.truths, into: sqlite)
        try expectMirrorMatchesTruth(sqlite, config: config)
        // every bad line is in dead_letters, verbatim, with a reason
        let dead = try sqlite.rows("SELECT raw, reason FROM dead_letters WHERE query = '' ORDER BY position")
        #expect(dead.map { $0[0].string! } == file.badLines)
        #expect(dead.allSatisfy { !($0[1].string ?? "").isEmpty })
        // spill files were removed
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir).filter { $0.hasSuffix(".run") }.isEmpty)
    }

    /// File order: out-of-order rows behind the watermark are dead-lettered as late, the rest match plain SQL.
    /// Hotspot windows are tumbling here so that lateness is all-or-nothing per query (partial lateness of
    /// sliding windows is covered by the engine tests).
    @Test func fileOrderDeadLettersLateRowsAndCountsTheRest() throws {
        let dir = scratchDirectory()
        var o = GeneratorOptions()
        o.rows = 5000
        o.seed = 12
        o.tripsPerDay = 2000
        o.disorder = 0.1
        o.maxLatenessSeconds = 3 * 3600
        o.badFraction = 0.005
        o.crlf = true
        o.bom = true
        let file = try generate(o, in: dir)
        var config = TripstreamConfig.chicago
        config.epochRows = 250
        config.hotspotCommunityWindow.window = .tumbling(1_800_000)
        config.hotspotWindow.window = .tumbling(1_800_000)
        let db = "\(dir)/mirror.sqlite"
        let summary = try ReplayJob(input: file.path, order: .file, database: db, config: config).run(logger: quietLogger)
        #expect(summary.counters.rowsLate > 50)
        #expect(summary.counters.rowsRead == Int64(file.rows))
        let sqlite = try SQLiteDatabase(path: db)
        try loadTruth(file.truths, into: sqlite)
        try expectMirrorMatchesTruth(sqlite, config: config)
        // late dead letters: one per (row, query) it was late for, and counters agree
        for q in QueryName.allCases {
            let n = try sqlite.scalar("SELECT COUNT(*) FROM dead_letters WHERE query = ? AND reason = 'late'", [.text(q.rawValue)])
            #expect(n?.int64 == summary.queries.first { $0.name == q.rawValue }?.late)
        }
        // a late row really was behind: its event time precedes the row that came before it by > the delay
        #expect(try sqlite.scalar("SELECT COUNT(*) FROM dead_letters WHERE reason = 'late' AND detail NOT LIKE 'event time %behind the watermark%'")?.int64 == 0)
    }

    /// Append, update and complete emit different rows per epoch but leave the same final mirror.
    @Test func everyOutputModeLeavesTheSameMirror() throws {
        let dir = scratchDirectory()
        var o = GeneratorOptions()
        o.rows = 3000
        o.seed = 13
        o.tripsPerDay = 1000
        o.disorder = 0.05
        let file = try generate(o, in: dir)
        var dumps: [[String: [String]]] = []
        var emitted: [Int64] = []
        for mode in OutputMode.allCases {
            var config = TripstreamConfig.chicago
            config.epochRows = 300
            for q in QueryName.allCases { config[q].mode = mode }
            let db = "\(dir)/\(mode.rawValue).sqlite"
            let summary = try ReplayJob(input: file.path, order: .file, database: db, config: config).run(logger: quietLogger)
            emitted.append(summary.queries.first { $0.name == QueryName.sumFareWindow.rawValue }!.emitted)
            dumps.append(try SQLiteMirror.canonicalDump(try SQLiteDatabase(path: db), tenant: config.tenant,
                                                        tables: MirrorSchema.resultTables + ["dead_letters"]))
        }
        #expect(dumps[0] == dumps[1])
        #expect(dumps[1] == dumps[2])
        #expect(emitted[0] < emitted[1] && emitted[1] < emitted[2])  // append < update < complete
    }

    /// Replaying the same file twice into one mirror (keeping rows) changes nothing: upserts are idempotent.
    @Test func replayIsIdempotent() throws {
        let dir = scratchDirectory()
        var o = GeneratorOptions()
        o.rows = 1500
        o.seed = 14
        o.badFraction = 0.02
        let file = try generate(o, in: dir)
        let db = "\(dir)/m.sqlite"
        var job = ReplayJob(input: file.path, order: .eventTime, database: db, config: .chicago, spillDirectory: dir)
        _ = try job.run(logger: quietLogger)
        let first = try SQLiteMirror.canonicalDump(try SQLiteDatabase(path: db), tenant: "tenantstreamapp")
        job.keepExisting = true
        _ = try job.run(logger: quietLogger)
        #expect(try SQLiteMirror.canonicalDump(try SQLiteDatabase(path: db), tenant: "tenantstreamapp") == first)
    }

    /// Spilling the sort to many runs gives exactly the in-memory order's results.
    @Test func externalSortEqualsInMemorySort() throws {
        let dir = scratchDirectory()
        var o = GeneratorOptions()
        o.rows = 4000
        o.seed = 15
        o.shuffle = true
        o.tripsPerDay = 800
        let file = try generate(o, in: dir)
        var dumps: [[String: [String]]] = []
        for (i, memory) in [64 << 20, 64 << 10].enumerated() {
            let db = "\(dir)/sort\(i).sqlite"
            _ = try ReplayJob(input: file.path, order: .eventTime, database: db, config: .seed,
                              sortMemoryBytes: memory, spillDirectory: dir).run(logger: quietLogger)
            dumps.append(try SQLiteMirror.canonicalDump(try SQLiteDatabase(path: db), tenant: "tenantstreamapp",
                                                        tables: MirrorSchema.resultTables))
        }
        #expect(dumps[0] == dumps[1])
        #expect(dumps[0]["sum_fare_window"]!.count > 100)
    }

    /// The real rows in ../shared/data: every row read, good rows processed, results add up to the file.
    @Test(arguments: [
        ("chicago_taxi_portal_porterjenkins_31rows.csv", 31),
        ("chicago_taxi_portal_jacobceles_42rows.csv", 42),
        ("tfx_chicago_taxi_data.csv", 15_002),
        ("tfx_chicago_taxi_big_tipper_label_data.csv", 15_002),
        ("chicago_taxi_bqstyle_wini296_32109rows.csv", 32_109),
    ])
    func realRowsAreAllAccountedFor(file: String, rows: Int) throws {
        let path = "\(sharedDataDirectory())/\(file)"
        try #require(FileManager.default.fileExists(atPath: path), "missing shared data file \(path)")
        let dir = scratchDirectory()
        let db = "\(dir)/real.sqlite"
        let summary = try ReplayJob(input: path, order: .eventTime, database: db, config: .chicago,
                                    spillDirectory: dir).run(logger: quietLogger)
        #expect(summary.counters.rowsRead == Int64(rows))
        #expect(summary.counters.rowsRejected == 0)
        #expect(summary.counters.rowsLate == 0)
        let sqlite = try SQLiteDatabase(path: db)
        #expect(try sqlite.scalar("SELECT SUM(trips_total) FROM trips_total")?.int64 == Int64(rows))
        #expect(try sqlite.scalar("SELECT SUM(trips) FROM sum_fare_window")?.int64 == Int64(rows))
        #expect(try sqlite.scalar("SELECT COUNT(*) FROM sum_fare_window WHERE final = 0")?.int64 == 0)
    }
}
