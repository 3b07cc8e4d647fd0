#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TripParsing

/// Reads a CSV file (or stdin) in large chunks and splits it into records with their byte offsets.
/// The header is read at open; an optional UTF-8 BOM is skipped. One buffer, reused: no copy per record.
/// Where records end depends only on the bytes (`CSVTokenizer`'s grammar), never on where reads end.
/// A record longer than `maxRecordBytes` is returned as malformed with only its first bytes: it is read
/// past without being held, so memory stays bounded by the limit whatever the input.
public final class CSVFileReader: RecordSource {
    /// The default record size limit: far above any real trip row, far below what a process can hold.
    public static let defaultMaxRecordBytes = 16 << 20
    /// Bytes of an over-long record kept as its raw text (a dead letter shows what it was, not all of it).
    public static let longRecordPrefixBytes = 1024
    public let name: String
    public private(set) var header: CSVHeader = CSVHeader(names: [])
    public let orderMode = "file"
    public let totalBytes: Int64?
    let fd: Int32
    let ownsDescriptor: Bool
    var buffer: UnsafeMutableRawBufferPointer
    var filled = 0
    var cursor = 0
    /// File offset of buffer[0].
    var bufferOffset: Int64 = 0
    var eof = false
    /// Bytes asked of one read(2): the chunk size (tests make it tiny to cut records everywhere).
    let readSize: Int
    public let maxRecordBytes: Int
    /// The malformed reason of a record over the limit.
    public let tooLongReason: String
    /// The first bytes of the last over-long record (as many as the limit, if less than the usual prefix).
    let longPrefix: UnsafeMutableRawBufferPointer
    /// Used once or twice per record, never re-entrantly: exempt from the dynamic exclusivity check that a
    /// class's stored property otherwise pays on every access (a measurable share of each record's cost).
    @exclusivity(unchecked) var tokenizer = CSVTokenizer()

    /// Opens `path` (`-` = standard input) and reads its header.
    public init(path: String, chunkSize: Int = 1 << 20, maxRecordBytes: Int = defaultMaxRecordBytes) throws {
        name = path
        readSize = max(chunkSize, 1)
        self.maxRecordBytes = max(maxRecordBytes, 1)
        longPrefix = .allocate(byteCount: min(Self.longRecordPrefixBytes, self.maxRecordBytes), alignment: 16)
        tooLongReason = "record longer than \(self.maxRecordBytes) bytes"
        if path == "-" {
            fd = 0
            ownsDescriptor = false
        } else {
            fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                longPrefix.deallocate()
                throw SourceError("cannot open \(path): \(String(cString: strerror(errno)))")
            }
            ownsDescriptor = true
        }
        var st = stat()
        totalBytes = fstat(fd, &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG ? Int64(st.st_size) : nil
        // A small file needs no buffer larger than itself (the buffer grows if the file does).
        let readSize = self.readSize
        let size = totalBytes.map { min(readSize, max(Int($0) + 1, 1 << 16)) } ?? readSize
        buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 16)
        try readHeader()
    }

    deinit {
        buffer.deallocate()
        longPrefix.deallocate()
        if ownsDescriptor { close(fd) }
    }

    public var fields: CSVFields { tokenizer.fields }
    public var position: Int64 { bufferOffset + Int64(cursor) }
    public var progressDone: Int64 { position }
    public var progressTotal: Int64? { totalBytes }

    func readHeader() throws {
        while filled < 3 && !eof { try fill() }
        if filled >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF { cursor = 3 }
        guard let first = try scanNext() else { throw SourceError("\(name) is empty: expected a CSV header line") }
        if let reason = first.malformed { throw SourceError("\(name): the header line is malformed (\(reason))") }
        header = CSVHeader(names: tokenizer.fields.map { $0.string(in: first.bytes) })
        dataStart = position
    }

    public func next() throws -> RawRecord? { try scanNext() }

    /// Byte offset of the first record after the header.
    public private(set) var dataStart: Int64 = 0

    /// Continues at `offset`, a record boundary saved by a checkpoint (the header was read at open).
    public func seek(to offset: Int64) throws {
        guard ownsDescriptor else { throw SourceError("standard input cannot be resumed from a checkpoint") }
        if let totalBytes, offset > totalBytes {
            throw SourceError("\(name) is shorter (\(totalBytes) bytes) than the checkpoint position \(offset)")
        }
        guard lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else {
            throw SourceError("cannot seek \(name) to \(offset): \(String(cString: strerror(errno)))")
        }
        bufferOffset = offset
        filled = 0
        cursor = 0
        eof = false
        tokenizer.reset()
    }

    func scanNext() throws -> RawRecord? {
        while true {
            let view = UnsafeRawBufferPointer(rebasing: buffer[0..<filled])
            switch tokenizer.scan(view, from: cursor, atEOF: eof) {
            case .record(let end, let next):
                if end - cursor > maxRecordBytes { return tooLong(view, end: end, next: next) }
                let record = RawRecord(offset: bufferOffset + Int64(cursor),
                                       bytes: UnsafeRawBufferPointer(rebasing: view[cursor..<end]), malformed: nil)
                cursor = next
                return record
            case .malformed(let reason, let end, let next):
                if end - cursor > maxRecordBytes { return tooLong(view, end: end, next: next) }
                let record = RawRecord(offset: bufferOffset + Int64(cursor),
                                       bytes: UnsafeRawBufferPointer(rebasing: view[cursor..<end]), malformed: reason)
                cursor = next
                return record
            case .blank(let next):
                cursor = next
                if cursor >= filled {
                    if eof { return nil }
                    try fill()
                }
            case .needMore:
                if filled - cursor > maxRecordBytes { return try skipTooLong() }
                try fill()
            }
        }
    }

    /// An over-long record that ended inside the buffer: its first bytes, malformed.
    func tooLong(_ view: UnsafeRawBufferPointer, end: Int, next: Int) -> RawRecord {
        longPrefix.baseAddress!.copyMemory(from: view.baseAddress! + cursor, byteCount: longPrefix.count)
        let record = RawRecord(offset: bufferOffset + Int64(cursor), bytes: UnsafeRawBufferPointer(longPrefix),
                               malformed: tooLongReason)
        cursor = next
        return record
    }

    /// The record at `cursor` has more bytes than the limit and no end yet: keep its first bytes, then read
    /// on without keeping any, following the grammar from where the tokenizer stopped, to the record's end.
    func skipTooLong() throws -> RawRecord {
        let offset = bufferOffset + Int64(cursor)
        longPrefix.baseAddress!.copyMemory(from: buffer.baseAddress! + cursor, byteCount: longPrefix.count)
        var state = tokenizer.pendingState
        tokenizer.reset()
        cursor = filled
        while true {
            if cursor >= filled {
                if eof { break }
                try fill()
                continue
            }
            let base = UnsafePointer(buffer.baseAddress!.assumingMemoryBound(to: UInt8.self))
            if let end = CSVTokenizer.recordEnd(base, from: cursor, count: filled, state: &state) {
                cursor = end + 1  // the LF of a CR LF, if any, is a blank line
                break
            }
            cursor = filled
        }
        return RawRecord(offset: offset, bytes: UnsafeRawBufferPointer(longPrefix), malformed: tooLongReason)
    }

    /// Moves unread bytes to the front and reads more; grows the buffer for a record larger than it (only
    /// while the record is within the limit: the buffer stays under twice the limit).
    func fill() throws {
        if eof { return }
        if cursor > 0 {
            let remaining = filled - cursor
            if remaining > 0 {
                buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + cursor, byteCount: remaining)
            }
            bufferOffset += Int64(cursor)
            filled = remaining
            cursor = 0
        }
        if filled == buffer.count {
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
            bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: filled)
            buffer.deallocate()
            buffer = bigger
        }
        while filled < buffer.count {
            let n = read(fd, buffer.baseAddress! + filled, min(buffer.count - filled, readSize))
            if n < 0 {
                if errno == EINTR { continue }
                throw SourceError("read error on \(name): \(String(cString: strerror(errno)))")
            }
            if n == 0 { eof = true; break }
            filled += n
            if n < 65536 { break }  // pipes deliver little at a time: scan what we have
        }
    }
}
