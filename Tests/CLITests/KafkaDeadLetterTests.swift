import Foundation
import Testing
import TripSinks
import TripTesting

/// Bad messages on the ingest topic: whatever they hold, each is a dead letter and the stream goes on.
@Suite struct KafkaDeadLetterTests {
    static let ingest = "tenantstreamapp_ingestData"

    /// Writes `bytes` to a file and produces it with kcat as one message (kcat sends each file argument whole).
    func produceWhole(_ bytes: [UInt8], _ broker: DevBroker, dir: String, name: String) throws {
        let path = "\(dir)/\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let r = try kcat(["-P", "-b", broker.bootstrap, "-t", Self.ingest, "-X", "message.max.bytes=2000000", path])
        try #require(r.status == 0)
    }

    /// The dead-letter topic's messages, each parsed as JSON (a message that is not JSON fails the test).
    func deadLetterMessages(_ broker: DevBroker) throws -> [[String: Any]] {
        let r = try kcat(["-C", "-b", broker.bootstrap, "-t", "tenantstreamapp_deadLetters", "-o", "beginning", "-e", "-q",
                          "-X", "fetch.message.max.bytes=4000000", "-f", "%s\n"])
        return try r.output.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], "not JSON: \($0.prefix(200))")
        }
    }

    /// One 1 000 000-byte message that is not JSON, and one that is not even UTF-8, between valid ones: the run
    /// finishes the topic; the mirror keeps both exactly; the topic gets a capped dead letter (prefix, length,
    /// SHA-256) and the invalid bytes in base64.
    @Test func poisonPillsAreDeadLetteredAndTheRunGoesOn() throws {
        let dir = scratchDirectory("cli")
        let broker = try DevBroker(["--brokers", "1", "--partitions", "1"])
        defer { _ = broker.stop() }
        for seed in ["41", "42"] {
            let input = "\(dir)/in\(seed).csv"
            #expect(try tripstream(["generate", "--rows", "300", "--seed", seed, "--per-day", "500", "-o", input]).status == 0)
            let produced = try tripstream(["produce", input, "--brokers", broker.bootstrap, "--quiet"])
            #expect(produced.status == 0, "\(produced.stderr)")
            if seed == "41" {
                try produceWhole(Array(repeating: UInt8(ascii: "x"), count: 1_000_000), broker, dir: dir, name: "poison")
                try produceWhole([0xFF, 0xFE, 0x41, 0xC3, 0x28, 0x7B], broker, dir: dir, name: "invalid")
            }
        }
        let db = "\(dir)/k.sqlite"
        let run = try tripstream(["run", "--brokers", broker.bootstrap, "--db", db, "--stop-at-end", "--epoch-rows", "100",
                                  "--log-level", "error"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("rows read        602"), "\(run.stdout)")
        let progress = try mirrorRows(db, "SELECT rows_read, rows_processed, rows_rejected FROM progress").first
        #expect(progress?.compactMap(\.int64) == [602, 600, 2])
        let kept = try mirrorRows(db, "SELECT position, typeof(raw), length(CAST(raw AS BLOB)), hex(raw) FROM dead_letters WHERE query = '' ORDER BY position")
        #expect(kept.map { $0[0].int64 } == [300, 301])
        #expect(kept.first.map { [$0[1].string, $0[2].description] } == ["text", "1000000"])
        #expect(kept.last.map { [$0[1].string, $0[3].string] } == ["blob", "FFFE41C3287B"])

        let messages = try deadLetterMessages(broker)
        let poison = try #require(messages.first { ($0["position"] as? NSNumber)?.intValue == 300 })
        let prefix = try #require(poison["raw"] as? String)
        #expect(prefix.utf8.count == 65_536 && prefix.allSatisfy { $0 == "x" })
        #expect((poison["raw_bytes"] as? NSNumber)?.intValue == 1_000_000)
        #expect(poison["raw_truncated"] as? Bool == true)
        let sha = try output(of: "/usr/bin/sha256sum", ["\(dir)/poison"]).prefix(64)
        #expect(poison["raw_sha256"] as? String == String(sha))
        let invalid = try #require(messages.first { ($0["position"] as? NSNumber)?.intValue == 301 })
        #expect((invalid["raw_base64"] as? String).flatMap { Data(base64Encoded: $0) } == Data([0xFF, 0xFE, 0x41, 0xC3, 0x28, 0x7B]))
        #expect(invalid["raw"] as? String == "\u{FFFD}\u{FFFD}A\u{FFFD}({")
        // Valid messages' dead letters carry none of the extra fields.
        #expect(messages.filter { $0["raw_base64"] == nil && $0["raw_bytes"] == nil }.count == messages.count - 2)

        // A dead letter the topic refuses (here the producer's own limit) is counted and logged; the run goes on.
        let strict = try tripstream(["run", "--brokers", broker.bootstrap, "--db", "\(dir)/strict.sqlite", "--stop-at-end",
                                     "--epoch-rows", "100", "--group", "strict", "-X", "message.max.bytes=20000",
                                     "--log-level", "warning"])
        #expect(strict.status == 0, "\(strict.stderr)")
        #expect(strict.stdout.contains("rows read        602"), "\(strict.stdout)")
        #expect(strict.stdout.contains("refused by Kafka 1"), "\(strict.stdout)")
        #expect(strict.stderr.contains("refused") && strict.stderr.contains("tenantstreamapp_ingestData[0] position 300"),
                "\(strict.stderr)")
        #expect(try mirrorRows("\(dir)/strict.sqlite", "SELECT count(*) FROM dead_letters WHERE position = 300").first?.first?.int64 == 1)
    }

    /// `run --format csv`: a message holding several lines gives a record per line, each with its own position
    /// (`topic[p]#line`), and the results equal the CSV replay of the same rows.
    @Test func everyLineOfACSVMessageIsARecord() throws {
        let dir = scratchDirectory("cli")
        let input = "\(dir)/in.csv"
        #expect(try tripstream(["generate", "--rows", "40", "--seed", "43", "--per-day", "500", "--disorder", "0", "-o", input]).status == 0)
        let lines = try String(contentsOfFile: input, encoding: .utf8).split(separator: "\n").dropFirst().map(String.init)
        let broker = try DevBroker(["--brokers", "1", "--partitions", "1"])
        defer { _ = broker.stop() }
        try produceWhole(Array(lines[0...2].joined(separator: "\n").utf8), broker, dir: dir, name: "three")
        try produceWhole(Array((lines[3] + "\r\nnot,a,trip\n").utf8), broker, dir: dir, name: "bad-second")
        try produceWhole(Array((lines[4] + "\n").utf8), broker, dir: dir, name: "terminated")
        #expect(try kcat(["-P", "-b", broker.bootstrap, "-t", Self.ingest], stdin: lines[5...].joined(separator: "\n") + "\n").status == 0)
        let db = "\(dir)/k.sqlite"
        let run = try tripstream(["run", "--brokers", broker.bootstrap, "--format", "csv", "--db", db, "--stop-at-end",
                                  "--epoch-rows", "1000", "--log-level", "error"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("rows read        41"), "\(run.stdout)")
        #expect(run.stdout.contains("processed        40"), "\(run.stdout)")
        #expect(run.stdout.contains("rejected         1 "), "\(run.stdout)")
        let dead = try mirrorRows(db, "SELECT source, position, raw FROM dead_letters")
        #expect(dead.map { $0.map(\.description) } == [["\(Self.ingest)[0]#2", "1", "not,a,trip"]])
        let topic = try deadLetterMessages(broker)
        #expect(topic.map { "\($0["source"] ?? "")|\($0["position"] ?? "")" } == ["\(Self.ingest)[0]#2|1"])
        #expect(try tripstream(["replay", input, "--order", "file", "--db", "\(dir)/r.sqlite", "--epoch-rows", "1000", "--quiet"]).status == 0)
        let k = try mirrorDump(db, tables: MirrorSchema.resultTables)
        let r = try mirrorDump("\(dir)/r.sqlite", tables: MirrorSchema.resultTables)
        #expect(k == r && !(k["trips_total"] ?? []).isEmpty)
    }
}

@Suite struct ReplayDeadLetterBytesTests {
    /// A CSV row that is not UTF-8: its dead letter keeps the exact bytes (a BLOB); valid rows' stay TEXT.
    @Test func aRowThatIsNotUTF8KeepsItsExactBytes() throws {
        let dir = scratchDirectory("cli")
        let input = "\(dir)/in.csv"
        #expect(try tripstream(["generate", "--rows", "20", "--seed", "44", "--per-day", "500", "-o", input]).status == 0)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: input)))
        let bad: [UInt8] = Array("bad,\u{e9}t\u{e9}".utf8.prefix(5)) + [0xE9, 0x74, 0xFF, 0x0A]  // "bad,é" then Latin-1 "ét", 0xFF
        bytes += bad
        try Data(bytes).write(to: URL(fileURLWithPath: input))
        let r = try tripstream(["replay", input, "--db", "\(dir)/r.sqlite", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        let rows = try mirrorRows("\(dir)/r.sqlite", "SELECT typeof(raw), hex(raw) FROM dead_letters WHERE query = ''")
        let hex = bad.dropLast().map { String(format: "%02X", $0) }.joined()
        #expect(rows.map { $0.map(\.description) } == [["blob", hex]])
    }
}
