import Foundation

/// One scenario's figures, as printed in the table and written to the JSON report.
struct BenchResult: Codable {
    var scenario: String
    var rows: Int64
    var bytes: Int64
    var seconds: Double
    var cpuSeconds: Double
    var peakRSSBytes: Int64
    /// Scenario-specific figures (e.g. read speed, latency percentiles, start-up times).
    var figures: [String: Double] = [:]
    var targets: [Target] = []
    var note = ""

    var rowsPerSecond: Double { seconds > 0 ? Double(rows) / seconds : 0 }
    var megabytesPerSecond: Double { seconds > 0 ? Double(bytes) / 1_048_576 / seconds : 0 }

    /// A goal from the performance issue, and whether this run met it.
    struct Target: Codable {
        var name: String
        var value: Double
        var limit: Double
        /// true: value must be ≥ limit; false: value must be ≤ limit.
        var atLeast: Bool
        var met: Bool { atLeast ? value >= limit : value <= limit }

        init(_ name: String, _ value: Double, atLeast limit: Double) {
            self.name = name
            self.value = value
            self.limit = limit
            atLeast = true
        }

        init(_ name: String, _ value: Double, atMost limit: Double) {
            self.name = name
            self.value = value
            self.limit = limit
            atLeast = false
        }
    }

    enum CodingKeys: String, CodingKey {
        case scenario, rows, bytes, seconds, cpuSeconds = "cpu_seconds", peakRSSBytes = "peak_rss_bytes", figures, targets, note
        case rowsPerSecond = "rows_per_second", megabytesPerSecond = "mb_per_second"
    }

    init(scenario: String, rows: Int64, bytes: Int64, seconds: Double, cpuSeconds: Double, peakRSSBytes: Int64) {
        self.scenario = scenario
        self.rows = rows
        self.bytes = bytes
        self.seconds = seconds
        self.cpuSeconds = cpuSeconds
        self.peakRSSBytes = peakRSSBytes
    }

    init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        scenario = try c.decode(String.self, forKey: .scenario)
        rows = try c.decode(Int64.self, forKey: .rows)
        bytes = try c.decode(Int64.self, forKey: .bytes)
        seconds = try c.decode(Double.self, forKey: .seconds)
        cpuSeconds = try c.decode(Double.self, forKey: .cpuSeconds)
        peakRSSBytes = try c.decode(Int64.self, forKey: .peakRSSBytes)
        figures = try c.decode([String: Double].self, forKey: .figures)
        targets = try c.decode([Target].self, forKey: .targets)
        note = try c.decode(String.self, forKey: .note)
    }

    func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(scenario, forKey: .scenario)
        try c.encode(rows, forKey: .rows)
        try c.encode(bytes, forKey: .bytes)
        try c.encode(seconds, forKey: .seconds)
        try c.encode(rowsPerSecond, forKey: .rowsPerSecond)
        try c.encode(megabytesPerSecond, forKey: .megabytesPerSecond)
        try c.encode(cpuSeconds, forKey: .cpuSeconds)
        try c.encode(peakRSSBytes, forKey: .peakRSSBytes)
        try c.encode(figures, forKey: .figures)
        try c.encode(targets, forKey: .targets)
        try c.encode(note, forKey: .note)
    }

    /// One table line: scenario, rows, seconds, rows/s, MB/s, CPU, RSS, then targets and the note.
    var tableLine: String {
        let targetText = targets.map { t in
            "\(t.met ? "met" : "MISSED") \(t.name) \(Self.short(t.value)) \(t.atLeast ? "≥" : "≤") \(Self.short(t.limit))"
        }.joined(separator: "; ")
        return scenario.padding(toLength: 11, withPad: " ", startingAt: 0)
            + String(format: "%9lld %8.3f s %11.0f rows/s %8.1f MB/s  cpu %7.3f s  RSS %6.1f MiB", rows, seconds,
                     rowsPerSecond, megabytesPerSecond, cpuSeconds, Double(peakRSSBytes) / 1_048_576)
            + (targetText.isEmpty ? "" : "  [\(targetText)]") + (note.isEmpty ? "" : "  \(note)")
    }

    static func short(_ v: Double) -> String {
        if abs(v) >= 1_000_000 { return String(format: "%.2fM", v / 1_000_000) }
        if abs(v) >= 10_000 { return String(format: "%.0fk", v / 1000) }
        if abs(v) >= 100 { return String(format: "%.0f", v) }
        return String(format: "%.3g", v)
    }
}
