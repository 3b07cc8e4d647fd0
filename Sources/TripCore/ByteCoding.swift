/// Little-endian binary encoding for state snapshots: fixed-width integers and length-prefixed strings.
public struct ByteWriter {
    public private(set) var bytes: [UInt8] = []
    public init() {}

    public mutating func int64(_ v: Int64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
    public mutating func int32(_ v: Int32) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }
    public mutating func bool(_ v: Bool) { bytes.append(v ? 1 : 0) }
    public mutating func string(_ s: String) {
        int64(Int64(s.utf8.count))
        bytes.append(contentsOf: s.utf8)
    }
    public mutating func bytes(_ b: [UInt8]) {
        int64(Int64(b.count))
        bytes.append(contentsOf: b)
    }
}

/// A snapshot that cannot be decoded (truncated, or not written by this format version).
public struct SnapshotError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

public struct ByteReader {
    let storage: [UInt8]
    public private(set) var index = 0
    public init(_ bytes: [UInt8]) { self.storage = bytes }

    public var atEnd: Bool { index == storage.count }

    mutating func take(_ n: Int) throws -> ArraySlice<UInt8> {
        guard n >= 0, index + n <= storage.count else { throw SnapshotError("truncated snapshot at byte \(index)") }
        defer { index += n }
        return storage[index..<index + n]
    }
    public mutating func int64() throws -> Int64 {
        var v: Int64 = 0
        let s = try take(8)
        withUnsafeMutableBytes(of: &v) { $0.copyBytes(from: s) }
        return Int64(littleEndian: v)
    }
    public mutating func int32() throws -> Int32 {
        var v: Int32 = 0
        let s = try take(4)
        withUnsafeMutableBytes(of: &v) { $0.copyBytes(from: s) }
        return Int32(littleEndian: v)
    }
    public mutating func bool() throws -> Bool { try take(1).first! != 0 }
    public mutating func count() throws -> Int {
        let n = try int64()
        guard n >= 0, n <= Int64(storage.count - index) else { throw SnapshotError("bad length \(n) at byte \(index)") }
        return Int(n)
    }
    public mutating func string() throws -> String {
        let n = try count()
        return String(decoding: try take(n), as: UTF8.self)
    }
    public mutating func bytes() throws -> [UInt8] { Array(try take(try count())) }
}
