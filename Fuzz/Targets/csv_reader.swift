// fuzz-modules: TripCore TripParsing TripSources
// fuzz-max-len: 12000
#if canImport(Glibc)
import Glibc
#endif
@testable import TripSources
import TripParsing

// The CSV record reader, driven through chunk sizes the input chooses: its records (offsets, lengths,
// fields, malformed or not) must be the reference splitter's on the whole input in memory, whatever the
// chunking. Input: 2 bytes chunk size, 1 byte quoted-field limit, then the CSV body (after a fixed header).

let header: [UInt8] = Array("a,b,c\n".utf8)

/// The reader over `file` with its first read of `chunkSize` bytes and the given limit.
/// When the reader takes a record size limit at init, pass it there instead (one line).
func makeReader(_ path: String, chunkSize: Int, maxRecordBytes: Int) throws -> CSVFileReader {
    let reader = try CSVFileReader(path: path, chunkSize: chunkSize)
    reader.tokenizer.maxRecordBytes = maxRecordBytes
    return reader
}

/// One file per process in /dev/shm (memory), unlinked at once and reopened through /proc/self/fd:
/// rewritten for each input, nothing left behind.
let memfd: Int32 = {
    let path = "/dev/shm/tripstream-fuzz-csv-\(getpid())"
    let fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
    precondition(fd >= 0, "cannot create \(path)")
    unlink(path)
    return fd
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCSVReader(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    // The reader never reads less than 4096 bytes at a time; bodies up to max_len cross several chunks.
    let chunkSize = 4096 + input.uint16() % 4096
    let limit = 1 << (3 + Int(input.byte()) % 14)  // 8 … 64 KiB
    let body = Array(input.rest)
    let file = header + body
    precondition(ftruncate(memfd, 0) == 0 && pwrite(memfd, file, file.count, 0) == file.count)

    let expected = ReferenceSplitter.split(body, maxQuotedBytes: limit)
    var got: [ReferenceRecord] = []
    do {
        let reader = try makeReader("/proc/self/fd/\(memfd)", chunkSize: chunkSize, maxRecordBytes: limit)
        require(reader.header.names == ["a", "b", "c"], "header read as \(reader.header.names)")
        while let record = try reader.next() {
            let start = Int(record.offset) - header.count
            var fields: [ReferenceField]? = nil
            if record.malformed == nil {
                fields = reader.fields.map { ReferenceField(start: Int($0.start), end: Int($0.end), escapedQuotes: $0.escapedQuotes) }
            } else {
                require(!record.malformed!.isEmpty, "a malformed record without a reason at \(start)")
            }
            got.append(ReferenceRecord(start: start, end: start + record.bytes.count, fields: fields))
            require(got.count <= expected.count + 1, "more records than the reference's \(expected.count)")
        }
        require(Int(reader.position) == file.count, "reader stopped at \(reader.position) of \(file.count) bytes")
    } catch {
        require(false, "the reader threw on readable input: \(error)")
    }
    if got != expected {
        let i = (0..<min(got.count, expected.count)).first { got[$0] != expected[$0] } ?? min(got.count, expected.count)
        let g = i < got.count ? "\(got[i])" : "none", e = i < expected.count ? "\(expected[i])" : "none"
        require(false, "chunk \(chunkSize), limit \(limit): record \(i) differs: reader \(g), reference \(e); "
                + "\(got.count) records vs \(expected.count); body \(visible(body))")
    }
    return 0
}
