import Foundation
import Testing
import TripCore
@testable import TripEngine
import TripSQL
import TripSQLite
@testable import TripSinks
import TripTesting

/// With `.background` checkpoints the mirror's write-ahead log is copied back by a thread of its own
/// (`WALCheckpointer`), not by the committing writer: the log must stay bounded, and close cleanly.
@Suite struct WALCheckpointerTests {
    let progress = EpochProgress(source: "f.csv", position: 1, orderMode: "file")

    /// The built-in `hotspot_window`, the only query of these mirrors.
    let hotspots = try! BuiltinQueries.query(.hotspotWindow, in: .chicago)

    /// An epoch of `rows` location rows in windows after `n`'s (~3 pages of 16 KiB at 1 500 rows).
    func epoch(_ n: Int64, rows: Int) -> EpochOutput {
        var out = EpochOutput(epoch: n)
        let start = n * 3_600_000, end = start + 3_600_000
        out.queries = [QueryResults(name: hotspots.name, rows: (0..<rows).map { i in
            QueryResultRow(windowStart: start, windowEnd: end,
                           values: [.timestamp(start), .timestamp(end), .text("POINT (-87.\(i) 41.\(i))"), .integer(Int64(i))],
                           final: true)
        }, watermark: end)]
        return out
    }

    func walBytes(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path + "-wal")[.size]) as? NSNumber)?.int64Value ?? 0
    }

    /// Applies `epochs` epochs, with `pause` each time until the thread has served the commit's request; returns
    /// the largest log seen and the thread's runs.
    func run(_ path: String, _ mode: SQLiteMirror.WALCheckpoints, epochs: Int, pause: Bool) throws -> (largest: Int64, runs: Int) {
        let mirror = try SQLiteMirror(path: path, tenant: "t", walCheckpoints: mode, queries: [hotspots])
        var largest: Int64 = 0
        for n in 1...epochs {
            try mirror.apply(epoch(Int64(n), rows: 1500), deadLetters: [], progress: progress, counters: Counters())
            largest = max(largest, walBytes(path))
            if pause { mirror.checkpointer?.waitUntilCaughtUp() }
        }
        #expect(try mirror.db.scalar("SELECT COUNT(*) FROM hotspot_window_by_id") == .integer(Int64(epochs * 1500)))
        #expect(mirror.checkpointer?.lastError == nil)
        return (largest, mirror.checkpointer?.runs ?? 0)
    }

    /// A live run: the writer pauses between epochs, so the thread's copies finish and the log starts over.
    /// The writer's own limit is out of reach here: only the thread can keep the log small.
    @Test func theThreadKeepsTheLogSmallWhileTheWriterPauses() throws {
        let path = scratchFile("wal-live.sqlite")
        let (largest, runs) = try run(path, .background(pages: 8, writerLimit: 1_000_000), epochs: 60, pause: true)
        #expect(runs > 0)
        // SQLite's automatic checkpoint is off (the commit hook replaced it): with no copy at all the log would
        // hold every epoch, ~60 × 9 pages of 16 KiB (8.8 MB).
        #expect(largest < 64 * 16_384, "log grew to \(largest) bytes")
        #expect(walBytes(path) == 0, "the last close checkpoints and removes the log")
        #expect(try SQLiteDatabase(path: path).scalar("SELECT COUNT(*) FROM hotspot_window_by_id") == .integer(60 * 1500))
    }

    /// A writer that never pauses (catching up): the thread's copies never cover the whole log, and the
    /// writer's own checkpoint at its limit bounds it.
    @Test func aWriterThatNeverPausesIsBoundedByItsLimit() throws {
        let path = scratchFile("wal-busy.sqlite")
        let (largest, _) = try run(path, .background(pages: 8, writerLimit: 32), epochs: 150, pause: false)
        #expect(largest < (32 + 24) * 16_400, "log grew to \(largest) bytes")
        #expect(walBytes(path) == 0)
    }

    @Test func aMirrorThatNeverFillsTheLogStartsNoThread() throws {
        let mirror = try SQLiteMirror(path: scratchFile("wal-small.sqlite"), tenant: "t", walCheckpoints: .background(),
                                      queries: [hotspots])
        try mirror.apply(epoch(1, rows: 10), deadLetters: [], progress: progress, counters: Counters())
        #expect(mirror.checkpointer?.runs == 0)
    }
}
