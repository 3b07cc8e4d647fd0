import Foundation
import Testing
@testable import TripSources
import TripFixtures
import TripParsing
import TripTesting

/// One record as a reader must give it: where it starts, its bytes (line end excluded), and its fields
/// or the reason it is malformed.
struct ExpectedRecord: Equatable, CustomStringConvertible {
    var offset: Int64
    var raw: [UInt8]
    var fields: [String]?
    var reason: String?
    var description: String {
        let text = String(decoding: raw.prefix(40), as: UTF8.self).debugDescription
        return "@\(offset) \(raw.count) bytes \(text) \(fields?.map { $0.prefix(20) } ?? []) \(reason?.prefix(30) ?? "")"
    }
}

/// The record grammar written plainly, byte by byte over the whole input in memory: the reference every
/// reader must agree with, whatever its buffers. RFC 4180 fields; a CR or LF outside quotes ends a record;
/// blank lines are no records; a broken field rule makes the record malformed but does not move its end.
func referenceRecords(_ input: [UInt8]) -> [ExpectedRecord] {
    let comma = UInt8(ascii: ","), quote = UInt8(ascii: "\""), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
    var out: [ExpectedRecord] = []
    var i = input.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
    while i < input.count {
        if input[i] == cr || input[i] == lf { i += 1; continue }
        let start = i
        var fields: [String] = [], field: [UInt8] = [], reason: String?
        enum State { case fieldStart, unquoted, quoted, quoteInQuoted }
        var state = State.fieldStart
        func problem(_ r: String) { if reason == nil { reason = r } }
        scan: while i < input.count {
            let b = input[i]
            switch state {
            case .fieldStart, .unquoted:
                if state == .fieldStart && b == quote { state = .quoted }
                else if b == comma { fields.append(String(decoding: field, as: UTF8.self)); field = []; state = .fieldStart }
                else if b == cr || b == lf { break scan }
                else {
                    if b == quote { problem("a quote inside unquoted field \(fields.count + 1)") }
                    field.append(b)
                    state = .unquoted
                }
            case .quoted:
                if b == quote { state = .quoteInQuoted } else { field.append(b) }
            case .quoteInQuoted:
                if b == quote { field.append(b); state = .quoted }
                else if b == comma { fields.append(String(decoding: field, as: UTF8.self)); field = []; state = .fieldStart }
                else if b == cr || b == lf { break scan }
                else {
                    problem("characters after the closing quote of field \(fields.count + 1)")
                    field.append(b)
                    state = .unquoted
                }
            }
            i += 1
        }
        if state == .quoted { problem("unterminated quoted field") }
        fields.append(String(decoding: field, as: UTF8.self))
        out.append(ExpectedRecord(offset: Int64(start), raw: Array(input[start..<i]),
                                  fields: reason == nil ? fields : nil, reason: reason))
        i += 1  // the CR or LF (the LF of a CR LF is a blank line)
    }
    return out
}

/// What a reader with record limit `limit` must return: over-long records as the limit's dead letter.
func expectedRecords(_ input: [UInt8], limit: Int, tooLongReason: String) -> [ExpectedRecord] {
    referenceRecords(input).map { r in
        guard r.raw.count > limit else { return r }
        return ExpectedRecord(offset: r.offset, raw: Array(r.raw.prefix(min(CSVFileReader.longRecordPrefixBytes, limit))),
                              fields: nil, reason: tooLongReason)
    }
}

func record(_ rec: RawRecord, fields: CSVFields) -> ExpectedRecord {
    ExpectedRecord(offset: rec.offset, raw: Array(rec.bytes),
                   fields: rec.malformed == nil ? fields.map { $0.string(in: rec.bytes) } : nil, reason: rec.malformed)
}

func writeTemp(_ bytes: [UInt8]) throws -> String {
    let path = scratchFile("input.csv", label: "grammar")
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
}

/// The header and records a `CSVFileReader` gives for `bytes`, read `chunk` bytes per read(2).
func readFileOrder(_ path: String, chunk: Int, limit: Int) throws -> (header: ExpectedRecord, records: [ExpectedRecord]) {
    let reader = try CSVFileReader(path: path, chunkSize: chunk, maxRecordBytes: limit)
    var records: [ExpectedRecord] = []
    while let rec = try reader.next() {
        records.append(record(rec, fields: reader.fields))
        #expect(reader.buffer.count <= max(2 * limit, chunk) + 2 * chunk, "buffer \(reader.buffer.count) for limit \(limit)")
    }
    let header = ExpectedRecord(offset: 0, raw: [], fields: reader.header.names, reason: nil)
    return (header, records)
}

@Suite struct CSVRecordGrammarTests {
    static let chunks = [1, 2, 3, 7, 64, 4096, 1 << 20]

    static let tricky: [(String, [UInt8])] = {
        let long = String(repeating: "0123456789", count: 7_000)  // 70 000 bytes: over the old 64 KiB quote cap
        var cases: [(String, String)] = [
            ("quoted CR LF and quotes", "h1,h2\n\"a\r\nb\",\"c\"\"d\"\r\ne,f\n\"\"\"\",\"\r\"\r\n"),
            ("CR-only line ends", "h1,h2\ra,b\rc,\"d\re\"\rf,g\r"),
            ("CR CR LF", "h1,h2\r\r\na,b\r\r\n\"x\",\"y\"\r\r\nc,d\r\r\n"),
            ("BOM, no final line end", "\u{FEFF}h1,h2\na,b\nc,\"d\""),
            ("blank lines", "\n\r\nh1,h2\n\n\r\n\ra,b\n\n"),
            ("long quoted field with line ends", "h1,h2\na,\"\(long)\r\n\(long)\"\"x\"\nb,c\n"),
            ("long plain record", "h1,h2\na,\(long)\nb,c\r\nd,\(long)"),
            ("broken quote swallows to the next quote", "h1,h2\na,\"b\nc,d\ne,f\"\ng,h\n"),
            ("unterminated quote to the end", "h1,h2\na,b\nc,\"d\ne,f\n"),
            ("text after a closing quote", "h1,h2\n\"a\"x,b\r\nc,d\n\"e\"\"f\"g\"h,i\n"),
            ("quote inside an unquoted field", "h1,h2\na,b\"c,d\ne,f\n"),
            ("a quote never closed after a long record", "h1,h2\n\(long),x\na,\"\(long)\nb,c\n"),
        ]
        var rng = SplitMix64(seed: 17)
        for k in 0..<40 {
            // Byte soup over the grammar's alphabet: every state meets every byte at every cut.
            let alphabet = Array("ab,\"\r\n\"\r\n,")
            let body = String((0..<(20 + Int(rng.next() % 300))).map { _ in alphabet[Int(rng.next() % UInt64(alphabet.count))] })
            cases.append(("soup \(k)", "h1,h2\n" + body))
        }
        return cases.map { ($0.0, Array($0.1.utf8)) }
    }()

    /// Every tricky input, read at every chunk size, gives the reference's records exactly: where records
    /// end depends on the bytes only. With a small limit, the over-long ones are dead letters and the
    /// records after them are the reference's too.
    @Test(arguments: [Int(CSVFileReader.defaultMaxRecordBytes), 100, 5000])
    func fileOrderMatchesTheReferenceAtEveryChunkSize(limit: Int) throws {
        for (name, bytes) in Self.tricky {
            let path = try writeTemp(bytes)
            defer { unlink(path) }
            let probe = try CSVFileReader(path: path, maxRecordBytes: limit)
            let reference = referenceRecords(bytes)
            guard let header = reference.first?.fields else { continue }  // a malformed header is refused
            let expected = Array(expectedRecords(bytes, limit: limit, tooLongReason: probe.tooLongReason).dropFirst())
            #expect(probe.header.names == header, "\(name)")
            for chunk in Self.chunks {
                let got = try readFileOrder(path, chunk: chunk, limit: limit)
                #expect(got.header.fields == header, "\(name), chunk \(chunk)")
                #expect(got.records == expected, "\(name), chunk \(chunk), limit \(limit)")
            }
        }
    }

    /// The event-time order hands out the bytes it stored and tokenizes them again: the same records,
    /// fields and reasons as file order, whether the sort stays in memory or spills runs.
    @Test(arguments: [64 << 20, 1 << 18])
    func eventTimeOrderDecodesEveryRecordAsFileOrderDoes(memory: Int) throws {
        var inputs = Self.tricky
        // Enough rows to spill several runs at the smallest budget.
        inputs.append(("many rows", Array(("h1,h2\r\n" + String(repeating: "a,\"b\r\r\nc\"\r\r\nd,e\r\r\n", count: 30_000)).utf8)))
        let dir = NSTemporaryDirectory()
        for (name, bytes) in inputs {
            let path = try writeTemp(bytes)
            defer { unlink(path) }
            guard referenceRecords(bytes).first?.fields != nil else { continue }
            let fileOrder = try readFileOrder(path, chunk: 1 << 20, limit: 5000).records
            // Every key the same (and the same as a malformed record's): ties keep file order, so both orders list
            // the records alike.
            let sorter = try EventTimeSortedReader(path: path, memoryBudget: memory, spillDirectory: dir,
                                                   maxRecordBytes: 5000) { _, _ in .min }
            var sorted: [ExpectedRecord] = []
            while let rec = try sorter.next() { sorted.append(record(rec, fields: sorter.fields)) }
            #expect(sorted == fileOrder, "\(name), sort memory \(memory)")
        }
    }

    /// A record of the limit plus 1 MiB (a quoted field with line ends, never held whole): one dead letter
    /// with its first bytes, then the next records as usual; the buffer never grows past twice the limit.
    @Test func aRecordFarOverTheLimitIsReadPastInBoundedMemory() throws {
        let limit = 1 << 16
        var bytes = Array("h1,h2\na,b\nc,\"".utf8)
        let line = Array("xxxxxxxxxxxxxxxxxxxxxxxxxxxxx,\"\"\r\n".utf8)
        while bytes.count < limit + (1 << 20) { bytes += line }
        bytes += Array("\"\nd,e\n".utf8)
        let path = try writeTemp(bytes)
        defer { unlink(path) }
        for chunk in [4096, 1 << 20] {
            let reader = try CSVFileReader(path: path, chunkSize: chunk, maxRecordBytes: limit)
            var got: [ExpectedRecord] = []
            while let rec = try reader.next() {
                got.append(record(rec, fields: reader.fields))
                #expect(reader.buffer.count <= 2 * limit + chunk)
            }
            #expect(got.count == 3)
            #expect(got[0].fields == ["a", "b"])
            #expect(got[1].reason == reader.tooLongReason && got[1].offset == 10
                    && got[1].raw == Array(bytes[10..<(10 + CSVFileReader.longRecordPrefixBytes)]))
            #expect(got[2].fields == ["d", "e"])
        }
    }
}
