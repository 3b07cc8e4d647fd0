#if canImport(Glibc)
import Glibc
#endif

/// An invariant of the code under test. When it does not hold, say which and abort: libFuzzer then saves
/// the input as a `crash-…` reproducer, and `scripts/fuzz` fails.
func require(_ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String) {
    guard !condition() else { return }
    fputs("INVARIANT FAILED: \(message())\n", stderr)
    abort()
}

/// The fuzzer's input, from which a target takes its parameters (chunk sizes, limits, choices) first.
struct FuzzInput {
    let bytes: [UInt8]
    var cursor = 0

    init(_ data: UnsafePointer<UInt8>, _ size: Int) {
        bytes = Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// The next byte, or 0 past the end (a short input still runs, with default parameters).
    mutating func byte() -> UInt8 {
        guard cursor < bytes.count else { return 0 }
        defer { cursor += 1 }
        return bytes[cursor]
    }

    mutating func uint16() -> Int { Int(byte()) | Int(byte()) << 8 }

    /// Everything not taken as a parameter.
    var rest: ArraySlice<UInt8> { bytes[min(cursor, bytes.count)...] }
}

/// Text for a failure message: printable ASCII as is, everything else escaped.
func visible<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    var s = ""
    for b in bytes.prefix(300) {
        switch b {
        case 0x0A: s += "\\n"
        case 0x0D: s += "\\r"
        case 0x20..<0x7F where b != 0x5C: s.append(Character(Unicode.Scalar(b)))
        default: s += "\\x" + (b < 16 ? "0" : "") + String(b, radix: 16)
        }
    }
    return bytes.count > 300 ? s + "… (\(bytes.count) bytes)" : s
}

/// A file of this process in /dev/shm (memory), unlinked at once: a target rewrites it for each input and
/// reads it back through `path`, and nothing is left behind.
struct ScratchFile {
    let descriptor: Int32
    var path: String { "/proc/self/fd/\(descriptor)" }

    init(_ tag: String) {
        let name = "/dev/shm/tripstream-fuzz-\(tag)-\(getpid())"
        descriptor = open(name, O_RDWR | O_CREAT | O_TRUNC, 0o600)
        precondition(descriptor >= 0, "cannot create \(name)")
        unlink(name)
    }

    /// Replaces the file's contents with `bytes`.
    func write(_ bytes: [UInt8]) {
        precondition(ftruncate(descriptor, 0) == 0 && pwrite(descriptor, bytes, bytes.count, 0) == bytes.count)
    }
}
