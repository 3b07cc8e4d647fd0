#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Process clocks, from the C library (no Foundation on the hot path). Every stage times against the same
/// monotonic clock, including the Kafka wrapper's delivery reports.
public enum Clock {
    public static func monotonicSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    public static func wallMilliseconds() -> EventTime {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return EventTime(ts.tv_sec) * 1000 + EventTime(ts.tv_nsec) / 1_000_000
    }
}
