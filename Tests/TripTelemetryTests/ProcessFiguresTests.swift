import Foundation
import Testing
import TripCore
import TripTelemetry

/// The process figures of summaries and /metrics, against what the kernel says through other means.
@Suite struct ProcessFiguresTests {
    /// VmRSS of /proc/self/status (kB): the same figure as statm's second field, read independently.
    func vmRSSBytes() throws -> Int64 {
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let line = try #require(status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") })
        return try #require(Int64(line.split(separator: " ")[1])) * 1024
    }

    /// Resident now, within 4 MiB of VmRSS read just before and after; it grows by what is touched; the peak is
    /// at least the current size.
    @Test func residentSizeMatchesProcStatusAndFollowsMemoryTouched() throws {
        let before = try vmRSSBytes()
        let resident = Clock.residentBytes()
        let after = try vmRSSBytes()
        #expect(resident >= min(before, after) - 4 << 20 && resident <= max(before, after) + 4 << 20,
                "\(resident) vs VmRSS \(before)…\(after)")
        let touched = 64 << 20
        let block = UnsafeMutableRawPointer.allocate(byteCount: touched, alignment: 4096)
        defer { block.deallocate() }
        block.initializeMemory(as: UInt8.self, repeating: 1, count: touched)
        let grown = Clock.residentBytes()
        #expect(grown - resident > Int64(touched) / 2, "\(resident) → \(grown)")
        #expect(Clock.peakRSSBytes() >= grown - 4 << 20)
    }

    /// CPU time counts a busy loop of this process (the machine is shared, so the loop runs until 50 ms of CPU
    /// show or 2 s pass); time since start is positive, within a day, and advances with the wall clock.
    @Test func cpuTimeAndAgeAdvance() throws {
        let cpu = Clock.cpuSeconds()
        let age = try #require(Clock.secondsSinceProcessStart())
        #expect(age > 0 && age < 24 * 3600)
        let start = Clock.monotonicSeconds()
        var x: UInt64 = 1
        while Clock.cpuSeconds() - cpu < 0.05 && Clock.monotonicSeconds() - start < 2 {
            for _ in 0..<10_000 { x = x &* 6364136223846793005 &+ 1 }
        }
        #expect(x != 0)
        #expect(Clock.cpuSeconds() - cpu >= 0.05)
        let elapsed = Clock.monotonicSeconds() - start
        let later = try #require(Clock.secondsSinceProcessStart())
        // Both readings subtract the same start time: their difference is the time between them.
        #expect(abs((later - age) - elapsed) < 0.05, "\(later - age) vs \(elapsed)")
    }
}
