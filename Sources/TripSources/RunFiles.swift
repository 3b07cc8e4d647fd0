#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a sorted run: per record `key:Int64 offset:Int64 length:UInt32 bytes`, little-endian, buffered.
/// The length's top bit marks a record over the size limit (its bytes are only its first ones).
final class RunFileWriter {
    var fd: Int32
    let path: String
    static let tooLongBit: UInt32 = 1 << 31
    /// Records are framed here by raw stores (one per header field, one copy of the bytes), then written.
    let buffer: UnsafeMutableRawBufferPointer
    var used = 0

    /// - Parameter bufferSize: at most 1 MiB is useful; a small run needs no more than its own size.
    init(path: String, bufferSize: Int = 1 << 20) throws {
        self.path = path
        buffer = .allocate(byteCount: max(bufferSize, 64), alignment: 16)
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            buffer.deallocate()
            throw SourceError("cannot create sort run \(path): \(String(cString: strerror(errno)))")
        }
    }

    deinit {
        buffer.deallocate()
        if fd >= 0 { Glibc.close(fd) }
    }

    /// One record: key, offset, length and flag (little-endian Int64, Int64, UInt32), then its bytes.
    func write(key: Int64, offset: Int64, tooLong: Bool = false, bytes: UnsafeRawBufferPointer) throws {
        if used + 20 + bytes.count > buffer.count { try flush() }
        let length = UInt32(bytes.count) | (tooLong ? Self.tooLongBit : 0)
        var header = (key.littleEndian, offset.littleEndian, length.littleEndian)
        if 20 + bytes.count > buffer.count {  // a record larger than the buffer goes straight out
            try withUnsafeBytes(of: &header) { try writeAll(UnsafeRawBufferPointer(rebasing: $0[0..<20])) }
            try writeAll(bytes)
            return
        }
        let base = buffer.baseAddress! + used
        base.storeBytes(of: header.0, as: Int64.self)
        (base + 8).storeBytes(of: header.1, as: Int64.self)
        (base + 16).storeBytes(of: header.2, as: UInt32.self)
        if let source = bytes.baseAddress { (base + 20).copyMemory(from: source, byteCount: bytes.count) }
        used += 20 + bytes.count
    }

    func flush() throws {
        try writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<used]))
        used = 0
    }

    func writeAll(_ b: UnsafeRawBufferPointer) throws {
        var done = 0
        while done < b.count {
            let n = Glibc.write(fd, b.baseAddress! + done, b.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw SourceError("cannot write sort run \(path): \(String(cString: strerror(errno)))")
            }
            done += n
        }
    }

    /// Closes and deletes the run (after a failed write: a partial run must not stay in the directory).
    func discard() {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
        unlink(path)
    }

    func finish() throws {
        try flush()
        guard fsync(fd) == 0 || errno == EINVAL else {
            throw SourceError("cannot sync sort run \(path): \(String(cString: strerror(errno)))")
        }
    }
}

/// Reads a run written by `RunFileWriter`, one record at a time, through a buffer.
final class RunFileReader {
    let fd: Int32
    let path: String
    var buffer: UnsafeMutableRawBufferPointer
    var filled = 0
    var cursor = 0
    var eof = false
    /// File offset of buffer[0].
    var bufferOffset: Int64 = 0
    /// File offset just after the current record: where a resumed merge continues once it is replayed.
    private(set) var recordEnd: Int64 = 0
    private(set) var key: Int64 = 0
    private(set) var offset: Int64 = 0
    private(set) var tooLong = false
    private(set) var bytes = UnsafeRawBufferPointer(start: nil, count: 0)

    init(path: String, bufferSize: Int) throws {
        self.path = path
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw SourceError("cannot open sort run \(path): \(String(cString: strerror(errno)))") }
        buffer = .allocate(byteCount: bufferSize, alignment: 16)
    }

    deinit {
        buffer.deallocate()
        close(fd)
    }

    /// Loads the next record; false at the end of the run.
    func advance() throws -> Bool {
        guard try ensure(20) else { return false }
        let base = UnsafeRawPointer(buffer.baseAddress!) + cursor
        key = Int64(littleEndian: base.loadUnaligned(as: Int64.self))
        offset = Int64(littleEndian: base.loadUnaligned(fromByteOffset: 8, as: Int64.self))
        let word = UInt32(littleEndian: base.loadUnaligned(fromByteOffset: 16, as: UInt32.self))
        tooLong = word & RunFileWriter.tooLongBit != 0
        let length = Int(word & ~RunFileWriter.tooLongBit)
        guard try ensure(20 + length) else { throw SourceError("sort run \(path) is truncated") }
        let start = UnsafeRawPointer(buffer.baseAddress!) + cursor + 20
        bytes = UnsafeRawBufferPointer(start: start, count: length)
        cursor += 20 + length
        recordEnd = bufferOffset + Int64(cursor)
        return true
    }

    /// Continues at `offset`, a record boundary (from a checkpoint).
    func seek(to offset: Int64) throws {
        guard lseek(fd, off_t(offset), SEEK_SET) == off_t(offset) else {
            throw SourceError("cannot seek sort run \(path) to \(offset)")
        }
        bufferOffset = offset
        recordEnd = offset
        filled = 0
        cursor = 0
        eof = false
    }

    /// Makes `n` bytes available at `cursor`; false if the run ends first (cleanly, at a record boundary).
    func ensure(_ n: Int) throws -> Bool {
        if filled - cursor >= n { return true }
        let remaining = filled - cursor
        if remaining > 0 { buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + cursor, byteCount: remaining) }
        bufferOffset += Int64(cursor)
        filled = remaining
        cursor = 0
        if n > buffer.count {
            let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: n * 2, alignment: 16)
            bigger.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: filled)
            buffer.deallocate()
            buffer = bigger
        }
        while filled < n && !eof {
            let r = read(fd, buffer.baseAddress! + filled, buffer.count - filled)
            if r < 0 {
                if errno == EINTR { continue }
                throw SourceError("read error on sort run \(path): \(String(cString: strerror(errno)))")
            }
            if r == 0 { eof = true } else { filled += r }
        }
        if filled >= n { return true }
        if filled == 0 { return false }
        throw SourceError("sort run \(path) is truncated")
    }
}
