#if canImport(Glibc)
import Glibc
#endif

enum ProcessMemory {
    /// Resident set size now, from /proc/self/statm (its second field, in pages); 0 where /proc is missing.
    static func residentBytes() -> Int64 {
        guard let f = fopen("/proc/self/statm", "r") else { return 0 }
        defer { fclose(f) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let n = fread(&buffer, 1, buffer.count, f)
        let fields = buffer[0..<n].split(separator: 0x20)
        guard fields.count > 1, let pages = Int64(String(decoding: fields[1], as: UTF8.self)) else { return 0 }
        return pages * Int64(sysconf(Int32(_SC_PAGESIZE)))
    }
}
