import TripLMDB

/// How a checkpoint lies in the store's `checkpoint` database: one key per value, so a damaged state names
/// what it lacks.
///
/// Format 2: `epoch`, `state`, `finished` and `kind` (`file`, `event-time` or `kafka`), then that kind's keys
/// only. Format 1 kept the same five keys for every source (`source`, `source_size`, `order`, `position`,
/// `run_offsets`), their meaning set by `order`: `run` put the topic, partition count, message count and next
/// offsets in them. Format 1 is still read, so an upgrade resumes a state it finds; the first save rewrites it.
enum CheckpointRecord {
    /// The keys only format 1 has: a save that upgrades the state deletes them.
    static let formatOneKeys = ["source", "source_size", "order", "position", "run_offsets"]

    static func write(_ c: Checkpoint, txn: LMDBTransaction, db: LMDBDatabase) throws {
        func put(_ k: String, _ v: [UInt8]) throws { try txn.put(db, CheckpointStore.key(k), v) }
        func put(_ k: String, _ v: Int64) throws { try put(k, CheckpointStore.bytes(v)) }
        func put(_ k: String, _ v: String) throws { try put(k, CheckpointStore.key(v)) }
        func put(_ input: InputFile) throws {
            try put("input_path", input.path)
            try put("input_size", input.size)
        }
        try put("epoch", c.epoch)
        switch c.position {
        case .file(let input, let offset):
            try put("kind", "file")
            try put(input)
            try put("next_record_offset", offset)
        case .eventTime(let input, let ordinal, let runOffsets):
            try put("kind", "event-time")
            try put(input)
            try put("next_ordinal", ordinal)
            try put("run_offsets", runOffsets.flatMap(CheckpointStore.bytes))
        case .kafka(let topic, let nextOffsets, let messagesRead):
            try put("kind", "kafka")
            try put("topic", topic)
            try put("next_offsets", nextOffsets.flatMap(CheckpointStore.bytes))
            try put("messages_read", messagesRead)
        }
        try put("state", c.engineState)
        try put("finished", c.finished ? 1 : 0)
    }

    /// The checkpoint stored in `format`, or nil when there is none.
    static func read(format: Int64, txn: LMDBTransaction, db: LMDBDatabase, directory: String) throws -> Checkpoint? {
        guard let epoch = try txn.get(db, CheckpointStore.key("epoch")) else { return nil }
        let fields = Fields(txn: txn, db: db, directory: directory)
        let position = format == 1 ? try fields.formatOnePosition() : try fields.position()
        return Checkpoint(epoch: CheckpointStore.int(epoch), position: position, engineState: try fields.bytes("state"),
                          finished: try fields.int("finished") != 0)
    }

    /// The values of one checkpoint in a read transaction; a missing or malformed one is a damaged state.
    struct Fields {
        let txn: LMDBTransaction
        let db: LMDBDatabase
        let directory: String

        func bytes(_ k: String) throws -> [UInt8] {
            guard let v = try txn.get(db, CheckpointStore.key(k)) else {
                throw CheckpointError("the checkpoint in \(directory) lacks \(k): the state is damaged; use --reset")
            }
            return v
        }
        func int(_ k: String) throws -> Int64 { CheckpointStore.int(try bytes(k)) }
        func string(_ k: String) throws -> String { String(decoding: try bytes(k), as: UTF8.self) }
        func offsets(_ k: String) throws -> [Int64] {
            let b = try bytes(k)
            guard b.count % 8 == 0 else {
                throw CheckpointError("damaged \(String(k.map { $0 == "_" ? " " : $0 })) in \(directory); use --reset")
            }
            return stride(from: 0, to: b.count, by: 8).map { CheckpointStore.int(Array(b[$0..<$0 + 8])) }
        }
        func input() throws -> InputFile { InputFile(path: try string("input_path"), size: try int("input_size")) }

        func position() throws -> Checkpoint.Position {
            switch try string("kind") {
            case "file": .file(try input(), nextRecordOffset: try int("next_record_offset"))
            case "event-time": .eventTime(try input(), nextOrdinal: try int("next_ordinal"), runOffsets: try offsets("run_offsets"))
            case "kafka": .kafka(topic: try string("topic"), nextOffsets: try offsets("next_offsets"),
                                 messagesRead: try int("messages_read"))
            case let kind: throw unknown("kind", kind)
            }
        }

        /// Format 1's shared keys mapped by `order`: `run` kept its topic in `source`, its partition count in
        /// `source_size` (the offsets count them again), its message count in `position` and its next
        /// offsets in `run_offsets`.
        func formatOnePosition() throws -> Checkpoint.Position {
            let runOffsets = try offsets("run_offsets")
            let source = try string("source"), size = try int("source_size"), position = try int("position")
            switch try string("order") {
            case "file": return .file(InputFile(path: source, size: size), nextRecordOffset: position)
            case "event-time":
                return .eventTime(InputFile(path: source, size: size), nextOrdinal: position, runOffsets: runOffsets)
            case "kafka": return .kafka(topic: source, nextOffsets: runOffsets, messagesRead: position)
            case let order: throw unknown("order", order)
            }
        }

        func unknown(_ k: String, _ value: String) -> CheckpointError {
            CheckpointError("the checkpoint in \(directory) has an unknown \(k) '\(value)': the state is damaged; use --reset")
        }
    }
}
