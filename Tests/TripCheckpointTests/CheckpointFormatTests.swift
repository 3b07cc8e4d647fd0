import Foundation
import Testing
import TripCheckpoint
import TripLMDB
import TripTesting

/// Big-endian, as the store writes its numbers.
private func bigEndian(_ v: Int64) -> [UInt8] { withUnsafeBytes(of: v.bigEndian) { Array($0) } }

/// The raw `meta` and `checkpoint` databases of a state directory (open only while no store has it open).
private func rawState(_ dir: String) throws -> (meta: [String: [UInt8]], checkpoint: [String: [UInt8]]) {
    let env = try LMDBEnvironment(path: dir)
    func all(_ name: String) throws -> [String: [UInt8]] {
        let db = try env.database(named: name, create: false)
        return try env.read { txn in
            let cursor = try txn.cursor(db)
            defer { cursor.close() }
            var out: [String: [UInt8]] = [:]
            var entry = try cursor.first()
            while let e = entry {
                out[String(decoding: e.key, as: UTF8.self)] = e.value
                entry = try cursor.next()
            }
            return out
        }
    }
    return (try all("meta"), try all("checkpoint"))
}

/// A state directory as format 1 (the build before `Checkpoint.Position`) wrote it: these are the databases, keys and
/// encodings of that build's `CheckpointStore`, and `run` stored its topic, partition count, message count and
/// next offsets in `source`, `source_size`, `position` and `run_offsets` with `order` = `kafka`. The CLI tests
/// resume state directories that build really made (fixtures/format-1-state).
private func writeFormatOneState(_ dir: String, fingerprint: String, order: String, source: String, sourceSize: Int64,
                                 position: Int64, runOffsets: [Int64], epoch: Int64, state: [UInt8]) throws {
    let env = try LMDBEnvironment(path: dir)
    let meta = try env.database(named: "meta", create: true)
    let checkpoint = try env.database(named: "checkpoint", create: true)
    _ = try env.database(named: "sort", create: true)
    _ = try env.database(named: "cuts", create: true)
    try env.write { txn in
        try txn.put(meta, Array("format".utf8), bigEndian(1))
        try txn.put(meta, Array("fingerprint".utf8), Array(fingerprint.utf8))
        let values: [(String, [UInt8])] = [
            ("epoch", bigEndian(epoch)), ("source", Array(source.utf8)), ("source_size", bigEndian(sourceSize)),
            ("order", Array(order.utf8)), ("position", bigEndian(position)),
            ("run_offsets", runOffsets.flatMap(bigEndian)), ("state", state), ("finished", bigEndian(0)),
        ]
        for (k, v) in values { try txn.put(checkpoint, Array(k.utf8), v) }
    }
}

@Suite struct CheckpointFormatTests {
    static let input = InputFile(path: "/data/trips.csv", size: 123_456)
    static let positions: [Checkpoint.Position] = [
        .file(input, nextRecordOffset: 0),
        .file(input, nextRecordOffset: 1 << 40),
        .eventTime(input, nextOrdinal: 170_000, runOffsets: [0, 99, 1 << 40]),
        .eventTime(InputFile(path: "in.csv", size: 0), nextOrdinal: 0, runOffsets: []),
        .kafka(topic: "tenantstreamapp_ingestData", nextOffsets: [-2, 0, 1 << 40], messagesRead: 1_000_001),
        .kafka(topic: "t", nextOffsets: [7], messagesRead: 7),
    ]

    /// Each source's position comes back as saved, from the same store and after a reopen.
    @Test(arguments: positions)
    func everyPositionRoundTrips(position: Checkpoint.Position) throws {
        let dir = scratchDirectory("lmdb")
        let saved = Checkpoint(epoch: 42, position: position, engineState: [1, 2, 3], finished: true)
        do {
            let store = try CheckpointStore(directory: dir, fingerprint: "f", reset: false)
            try store.save(saved)
            #expect(try store.load() == saved)
        }
        do { #expect(try CheckpointStore(directory: dir, fingerprint: "f", reset: false).load() == saved) }
        let raw = try rawState(dir)
        #expect(raw.meta["format"] == bigEndian(2))
        #expect(raw.checkpoint["order"] == nil && raw.checkpoint["source"] == nil)
    }

    /// What format 1 stored for one order, and the position it means.
    struct FormatOneRecord: Sendable {
        var order: String, source: String, sourceSize: Int64, position: Int64, runOffsets: [Int64]
        var expected: Checkpoint.Position
    }

    static let formatOneRecords = [
        FormatOneRecord(order: "file", source: "fixtures/trips-2k.csv", sourceSize: 852_463, position: 213_570, runOffsets: [],
                        expected: .file(InputFile(path: "fixtures/trips-2k.csv", size: 852_463), nextRecordOffset: 213_570)),
        FormatOneRecord(order: "event-time", source: input.path, sourceSize: input.size, position: 1000,
                        runOffsets: [0, 99, 1 << 40], expected: .eventTime(input, nextOrdinal: 1000, runOffsets: [0, 99, 1 << 40])),
        FormatOneRecord(order: "kafka", source: "tenantstreamapp_ingestData", sourceSize: 3, position: 1500,
                        runOffsets: [-2, 600, 900],
                        expected: .kafka(topic: "tenantstreamapp_ingestData", nextOffsets: [-2, 600, 900], messagesRead: 1500)),
    ]

    /// A format-1 record of each order loads as its case; the next save rewrites it in the current format
    /// (the shared keys gone) in the same transaction, and a reopen reads that.
    @Test(arguments: formatOneRecords)
    func formatOneRecordLoadsAsItsCase(record r: FormatOneRecord) throws {
        let dir = scratchDirectory("lmdb")
        let state: [UInt8] = Array(0..<100).map(UInt8.init)
        try writeFormatOneState(dir, fingerprint: "f", order: r.order, source: r.source, sourceSize: r.sourceSize,
                                position: r.position, runOffsets: r.runOffsets, epoch: 2, state: state)
        let next = Checkpoint(epoch: 3, position: r.expected, engineState: [9], finished: false)
        do {
            let store = try CheckpointStore(directory: dir, fingerprint: "f", reset: false)
            #expect(try store.load() == Checkpoint(epoch: 2, position: r.expected, engineState: state, finished: false))
            try store.save(next)
        }
        let raw = try rawState(dir)
        #expect(raw.meta["format"] == bigEndian(2))
        for key in ["source", "source_size", "order", "position"] { #expect(raw.checkpoint[key] == nil, "\(key) left") }
        do { #expect(try CheckpointStore(directory: dir, fingerprint: "f", reset: false).load() == next) }
    }

    /// Opening a format-1 state changes nothing until a checkpoint is saved: a refused resume leaves it as the
    /// older build wrote it.
    @Test func openingAFormatOneStateWritesNothing() throws {
        let dir = scratchDirectory("lmdb")
        try writeFormatOneState(dir, fingerprint: "f", order: "file", source: "in.csv", sourceSize: 10, position: 5,
                                runOffsets: [], epoch: 1, state: [])
        let before = try rawState(dir)
        do { _ = try CheckpointStore(directory: dir, fingerprint: "f", reset: false).load() }
        let after = try rawState(dir)
        #expect(after.meta == before.meta && after.checkpoint == before.checkpoint)
    }

    /// A format this build does not know, or a record it cannot read, is a clear error naming --reset.
    @Test func unknownFormatOrKindIsAClearError() throws {
        let future = scratchDirectory("lmdb")
        do {
            let env = try LMDBEnvironment(path: future)
            let meta = try env.database(named: "meta", create: true)
            try env.write { try $0.put(meta, Array("format".utf8), bigEndian(3)) }
        }
        #expect { _ = try CheckpointStore(directory: future, fingerprint: "f", reset: false) } throws: { error in
            "\(error)".contains("has format 3") && "\(error)".contains("--reset")
        }
        let damaged = scratchDirectory("lmdb")
        try writeFormatOneState(damaged, fingerprint: "f", order: "sideways", source: "in.csv", sourceSize: 10,
                                position: 5, runOffsets: [], epoch: 1, state: [])
        #expect { _ = try CheckpointStore(directory: damaged, fingerprint: "f", reset: false).load() } throws: { error in
            "\(error)".contains("unknown order 'sideways'") && "\(error)".contains("--reset")
        }
    }
}
