// fuzz-modules: TripCore TripParsing TripSources
// fuzz-max-len: 4096
#if canImport(Glibc)
import Glibc
#endif
import TripSources
import TripParsing

// The CSV record reader, driven through chunk sizes and record size limits the input chooses: its records
// (offsets, lengths, fields, malformed or not, over the limit or not) must be the reference splitter's on
// the whole input in memory, whatever the chunking, and it must read to the end.
// Input: 1 byte chunk size, 1 byte record size limit, then the CSV body (after a fixed header).

/// One column: a header short enough for a record size limit of 1 byte.
let header: [UInt8] = Array("a\n".utf8)

/// Bytes per read(2): 1 to 64 (every record cut everywhere), or up to 8 KiB.
func chunkSize(_ b: UInt8) -> Int { b < 0x80 ? 1 + Int(b) % 64 : 64 << (Int(b) % 8) }

/// The record size limit: 1 byte to 16 KiB, or the default.
func recordLimit(_ b: UInt8) -> Int {
    b >= 0xF0 ? CSVFileReader.defaultMaxRecordBytes : (1 << (Int(b) % 15)) + Int(b) / 15
}

let scratch = ScratchFile("csv")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSVReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let chunk = chunkSize(input.byte())
    let limit = recordLimit(input.byte())
    let body = Array(input.rest)
    let file = header + body
    scratch.write(file)

    let expected = ReferenceSplitter.split(body, maxRecordBytes: limit)
    var got: [ReferenceRecord] = []
    do {
        let reader = try CSVFileReader(path: scratch.path, chunkSize: chunk, maxRecordBytes: limit)
        require(reader.header.names == ["a"], "header read as \(reader.header.names)")
        while let record = try reader.next() {
            let start = Int(record.offset) - header.count
            var fields: [ReferenceField]? = nil
            if let reason = record.malformed {
                require(!reason.isEmpty, "a malformed record without a reason at \(start)")
            } else {
                fields = reader.fields.map { ReferenceField(start: Int($0.start), end: Int($0.end), escapedQuotes: $0.escapedQuotes) }
            }
            let tooLong = record.malformed == reader.tooLongReason
            got.append(ReferenceRecord(start: start, end: start + record.bytes.count, fields: fields, tooLong: tooLong))
            // An over-long record's bytes are a copy of its first ones: they must be the file's.
            require(start >= 0 && start + record.bytes.count <= body.count
                    && record.bytes.elementsEqual(body[start..<start + record.bytes.count]),
                    "record at \(start): its bytes are not the file's")
            require(got.count <= expected.count + 1, "more records than the reference's \(expected.count)")
        }
        require(Int(reader.position) == file.count, "reader stopped at \(reader.position) of \(file.count) bytes")
    } catch {
        require(false, "the reader threw on readable input: \(error)")
    }
    if got != expected {
        let i = (0..<min(got.count, expected.count)).first { got[$0] != expected[$0] } ?? min(got.count, expected.count)
        let g = i < got.count ? "\(got[i])" : "none", e = i < expected.count ? "\(expected[i])" : "none"
        require(false, "chunk \(chunk), limit \(limit): record \(i) differs: reader \(g), reference \(e); "
                + "\(got.count) records vs \(expected.count); body \(visible(body))")
    }
    return 0
}
