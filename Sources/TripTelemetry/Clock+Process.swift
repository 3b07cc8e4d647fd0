#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TripCore

/// Resource figures of this process, for summaries, benchmarks and telemetry.
public extension Clock {
    /// Peak resident set size of this process (getrusage: kilobytes on Linux).
    static func peakRSSBytes() -> Int64 {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int64(usage.ru_maxrss) * 1024
    }

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

    /// Seconds since this process started (from /proc/self/stat's start time, 10 ms resolution, and
    /// CLOCK_BOOTTIME), so start-up before `main` counts too. Nil where /proc is unavailable.
    static func secondsSinceProcessStart() -> Double? {
        guard let f = fopen("/proc/self/stat", "r") else { return nil }
        defer { fclose(f) }
        var buffer = [UInt8](repeating: 0, count: 1024)
        let n = fread(&buffer, 1, buffer.count, f)
        let line = String(decoding: buffer[0..<n], as: UTF8.self)
        // Fields after the command name (which may contain spaces) start after the last ')'.
        guard let close = line.lastIndex(of: ")") else { return nil }
        let fields = line[line.index(after: close)...].split(separator: " ")
        // starttime is field 22 overall: index 19 after "pid (comm)".
        guard fields.count > 19, let ticks = Double(fields[19]) else { return nil }
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        var ts = timespec()
        clock_gettime(CLOCK_BOOTTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9 - ticks / hz
    }

    /// CPU time (user + system) of this process in seconds.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
    }
}
