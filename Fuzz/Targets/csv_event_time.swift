// fuzz-modules: TripCore TripParsing TripSources
// fuzz-max-len: 4096
#if canImport(Glibc)
import Glibc
#endif
import TripSources
import TripParsing

// `replay --order event-time` against file order: the event-time reader must return every record the file
// reader returns, once, in (key, offset) order, each with the same bytes, the same fields and the same
// malformed reason or none — a record's meaning cannot depend on the order it is replayed in; both under
// the same record size limit (an over-long record is returned by both as its first bytes, malformed).
// Input: 1 byte record size limit (its low bit also picks the sort's memory), then the CSV body (after a
// fixed header); a record's sort key is its first byte.

/// One column: a header short enough for a record size limit of 1 byte.
let header: [UInt8] = Array("a\n".utf8)

/// The record size limit: 1 byte to 4 KiB, or the default.
func recordLimit(_ b: UInt8) -> Int {
    b >= 0xF0 ? CSVFileReader.defaultMaxRecordBytes : (1 << (Int(b) % 13)) + Int(b) / 13
}

let scratch = ScratchFile("order")

/// The sort's memory: its floor, where records spill in runs of one or a few (pass 2 merges them), or 128 KiB,
/// where any input of this target sorts in memory.
func sortMemory(_ b: UInt8) -> Int { b & 1 == 0 ? 1 << 16 : 1 << 17 }

/// Runs are spilled to memory: fsync on a disk cost more than everything else the target does.
let spillDirectory = "/dev/shm"

struct Seen: Equatable {
    var bytes: [UInt8]
    var fields: [[UInt8]]?
    var malformed: String?
}

func seen(_ record: RawRecord, _ fields: CSVFields) -> Seen {
    Seen(bytes: Array(record.bytes),
         fields: record.malformed == nil ? fields.map { Array($0.bytes(in: record.bytes)) } : nil,
         malformed: record.malformed)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEventTimeOrder(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let parameter = input.byte()
    let limit = recordLimit(parameter), memory = sortMemory(parameter)
    let body = Array(input.rest)
    let bytes = header + body
    scratch.write(bytes)
    let path = scratch.path
    do {
        var inFileOrder: [Int64: Seen] = [:]
        let reader = try CSVFileReader(path: path, maxRecordBytes: limit)
        while let record = try reader.next() { inFileOrder[record.offset] = seen(record, reader.fields) }

        let sorted = try EventTimeSortedReader(path: path, memoryBudget: memory, spillDirectory: spillDirectory,
                                               maxRecordBytes: limit) { record, _ in
            record.isEmpty ? 0 : Int64(record[0])
        }
        var last: (key: Int64, offset: Int64)? = nil
        var count = 0
        while let record = try sorted.next() {
            count += 1
            let key = record.malformed == nil ? (record.bytes.isEmpty ? 0 : Int64(record.bytes[0])) : Int64.min
            if let last { require(last < (key, record.offset), "out of order: \(last) then \((key, record.offset))") }
            last = (key, record.offset)
            guard let expected = inFileOrder.removeValue(forKey: record.offset) else {
                require(false, "event-time order returned offset \(record.offset), which file order does not have "
                        + "or returned already"); return 0
            }
            let got = seen(record, sorted.fields)
            require(got == expected, "limit \(limit), memory \(memory): record at \(record.offset): file order \(expected), event-time order \(got); "
                    + "body \(visible(body))")
        }
        require(inFileOrder.isEmpty, "event-time order lost the records at \(inFileOrder.keys.sorted())")
        require(Int64(count) == sorted.recordCount, "returned \(count) of \(sorted.recordCount) records")
    } catch {
        require(false, "a reader threw on readable input: \(error)")
    }
    return 0
}
