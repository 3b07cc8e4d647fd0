import Foundation
import Testing
import TripFixtures
import TripSQLite
import TripTesting

/// `rows` generated trip rows, each followed by `end`, after the header.
func tripText(rows: Int, seed: UInt64 = 9, end: String = "\n") throws -> String {
    var o = GeneratorOptions()
    o.rows = rows
    o.seed = seed
    let generator = try TripGenerator(options: o)
    var text = TripGenerator.header + end
    while let row = generator.next() { text += row.line + end }
    return text
}

/// Runs the built binary through `sh -c` with `prefix` before it (limits, traps); standard error goes to a
/// file, so a child writing megabytes of it cannot block on a full pipe.
func tripstreamInShell(_ args: [String], prefix: String = "", dir: String) throws -> Run {
    let binary = repoRoot.appendingPathComponent(".build/debug/tripstream").path
    let quoted = ([binary] + args).map { "'\($0)'" }.joined(separator: " ")
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", "\(prefix) exec \(quoted) >'\(dir)/out.txt' 2>'\(dir)/err.txt'"]
    try p.run()
    p.waitUntilExit()
    let out = (try? String(contentsOfFile: "\(dir)/out.txt", encoding: .utf8)) ?? ""
    let err = (try? Data(contentsOf: URL(fileURLWithPath: "\(dir)/err.txt"))) ?? Data()
    return Run(status: p.terminationStatus, stdout: out, stderr: String(decoding: err, as: UTF8.self))
}

@Suite struct CSVInputTests {
    /// Old Mac / Excel "CSV (Macintosh)" files end lines with a lone CR: every row is read.
    @Test func crOnlyLineEndsAreRecordEnds() throws {
        let dir = scratchDirectory("cli")
        try tripText(rows: 60, end: "\r").write(toFile: "\(dir)/mac.csv", atomically: true, encoding: .utf8)
        let r = try tripstream(["replay", "\(dir)/mac.csv", "--db", "\(dir)/m.sqlite", "--order", "file", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let db = try SQLiteDatabase(path: "\(dir)/m.sqlite", readOnly: true)
        #expect(try db.scalar("SELECT rows_read FROM progress")?.int64 == 60)
        #expect(try db.scalar("SELECT rows_processed FROM progress")?.int64 == 60)
    }

    /// A pickup location holding a NUL byte (found by check-accounting over the trip_decoder fuzz corpus): the
    /// replay stopped with "location … missing right after its insert" (the text was bound whole, looked up up to
    /// the NUL). Now the replay ends well, the location is stored and read back whole, and a dead letter's raw
    /// text keeps its NUL too.
    @Test func aTextWithANULByteIsStoredAndReadWhole() throws {
        let dir = scratchDirectory("cli")
        let location = "POINT (-87.6\u{0}1 41.8)"
        let text = "Trip ID,Trip Start Timestamp,Fare,Tips,Trip Total,Pickup Community Area,Pickup Centroid Location\n"
            + "a1,04/18/2015 01:00:00 PM,$5.00,$0.50,$5.50,76,\"\(location)\"\n"
            + "a2,not a time,$5.00,,,,\"x\u{0}y\"\n"
            + "a3,04/18/2015 01:05:00 PM,$6.00,$0.50,$6.50,8,\"\(location)\"\n"
        try text.write(toFile: "\(dir)/nul.csv", atomically: true, encoding: .utf8)
        for order in ["file", "event-time"] {
            let db = "\(dir)/\(order).sqlite"
            let r = try tripstream(["replay", "\(dir)/nul.csv", "--db", db, "--order", order, "--quiet"])
            #expect(r.status == 0, "\(order): \(r.stderr.prefix(500))")
            let m = try SQLiteDatabase(path: db, readOnly: true)
            #expect(try m.rows("SELECT DISTINCT pickup_centroid_location FROM hotspot_window") == [[.text(location)]], "\(order)")
            #expect(try m.scalar("SELECT SUM(count) FROM hotspot_window WHERE pickup_centroid_location = ?", [.text(location)])?.int64
                    == 8, "\(order): 2 trips × 4 windows")
            #expect(try m.scalar("SELECT rows_read FROM progress")?.int64 == 3)
            #expect(try m.rows("SELECT raw FROM dead_letters WHERE query = ''") == [[.text("a2,not a time,$5.00,,,,\"x\u{0}y\"")]], "\(order)")
        }
    }

    /// A record over the default 16 MiB limit is one dead letter with its first KiB; the rows around it count.
    @Test func aRecordOverTheLimitIsADeadLetter() throws {
        let dir = scratchDirectory("cli")
        let rows = try tripText(rows: 40).split(separator: "\n", omittingEmptySubsequences: false)
        var text = rows[0..<21].joined(separator: "\n") + "\n"
        text += "huge," + String(repeating: "y", count: 17 << 20) + "\n"
        text += rows[21...].joined(separator: "\n")
        try text.write(toFile: "\(dir)/huge.csv", atomically: true, encoding: .utf8)
        let r = try tripstream(["replay", "\(dir)/huge.csv", "--db", "\(dir)/m.sqlite", "--order", "file", "--quiet"])
        #expect(r.status == 0, "\(r.stderr.prefix(500))")
        let db = try SQLiteDatabase(path: "\(dir)/m.sqlite", readOnly: true)
        #expect(try db.scalar("SELECT rows_read FROM progress")?.int64 == 41)
        #expect(try db.scalar("SELECT rows_rejected FROM progress")?.int64 == 1)
        #expect(try db.scalar("SELECT reason FROM dead_letters")?.description.hasPrefix("record longer than 16777216 bytes") == true)
        #expect(try db.scalar("SELECT length(raw) FROM dead_letters")?.int64 == 1024)
    }

    /// A first line without line end longer than the limit, or a long header without the needed columns,
    /// fails with a short message (not the value itself).
    @Test func aHugeHeaderFailsWithAShortMessage() throws {
        let dir = scratchDirectory("cli")
        for (name, size) in [("endless", 17 << 20), ("wide", 1 << 20)] {
            try String(repeating: "z", count: size).write(toFile: "\(dir)/\(name).csv", atomically: true, encoding: .utf8)
            let r = try tripstreamInShell(["replay", "\(dir)/\(name).csv", "--db", "\(dir)/m.sqlite", "--quiet"], dir: dir)
            #expect(r.status != 0)
            #expect(r.stderr.utf8.count < 2000, "\(name): \(r.stderr.utf8.count) bytes of error")
        }
    }

    /// verify-recovery reads the file as bytes, as replay does: an invalid UTF-8 byte is replay's dead letter.
    @Test func verifyRecoveryAcceptsAnInvalidUTF8Byte() throws {
        let dir = scratchDirectory("cli")
        var bytes = Array(try tripText(rows: 200).utf8)
        bytes.insert(0xFF, at: bytes.count / 2)
        try Data(bytes).write(to: URL(fileURLWithPath: "\(dir)/bad.csv"))
        let r = try tripstream(["verify-recovery", "\(dir)/bad.csv", "--kills", "1", "--order", "file", "--work", "\(dir)/work"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("verdict: identical"))
    }

    /// A spill that fails (here: the file size limit) leaves no partial run file in --tmp.
    @Test func aFailedSpillLeavesNoRunFile() throws {
        let dir = scratchDirectory("cli")
        try tripText(rows: 20_000).write(toFile: "\(dir)/big.csv", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: "\(dir)/tmp", withIntermediateDirectories: true)
        let r = try tripstreamInShell(["replay", "\(dir)/big.csv", "--db", "\(dir)/m.sqlite", "--order", "event-time",
                                       "--sort-memory", "4", "--tmp", "\(dir)/tmp", "--no-checkpoint", "--quiet"],
                                      prefix: "trap '' XFSZ; ulimit -f 2048;", dir: dir)
        #expect(r.status != 0)
        #expect(r.stderr.contains("sort run"), "\(r.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: "\(dir)/tmp") == [])
    }
}
