import Foundation
import Logging
import TripCore
import TripParsing
import TripPipeline
import TripSources
import TripTelemetry
import TripTools

/// The scenarios of `tripstream bench`, each run in a process of its own (so its peak RSS is its own).
enum BenchScenario: String, CaseIterable {
    case parse, replay, eventTime = "event-time", kafka, restart

    static func fileSize(_ file: String) -> Int64 {
        (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value ?? 0
    }

    func run(file: String, config: TripstreamConfig, sortMemoryMiB: Int, kafkaRate: Double, kafkaIntervalsMs: [Double],
             liveLayout: (brokers: Int, partitions: Int), tmp: String, logger: Logger) throws -> BenchResult {
        let dir = "\(tmp)/tripstream-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let bytes = Self.fileSize(file)
        let cpu0 = Clock.cpuSeconds()
        switch self {
        case .parse:
            return try Self.parse(file: file, bytes: bytes, config: config)
        case .replay, .eventTime:
            let order: ReplayOrder = self == .replay ? .file : .eventTime
            var job = ReplayJob(input: file, order: order, database: "\(dir)/m.sqlite", config: config,
                                sortMemoryBytes: sortMemoryMiB << 20, spillDirectory: dir, stateDirectory: "\(dir)/m.state")
            job.checkpointEveryEpochs = 1
            let s = try job.run(logger: logger)
            var r = BenchResult(scenario: rawValue, rows: s.counters.rowsRead, bytes: bytes, seconds: s.seconds,
                                cpuSeconds: Clock.cpuSeconds() - cpu0, peakRSSBytes: s.peakRSSBytes)
            r.figures["epochs"] = Double(s.epochs)
            r.figures["queries"] = Double(s.queries.count)
            if self == .replay {
                r.note = "file order, \(s.queries.count) queries, SQLite mirror, LMDB checkpoint every epoch"
                r.targets = [.init("rows/s", r.rowsPerSecond, atLeast: 1_000_000),
                             .init("peak RSS MiB", Double(s.peakRSSBytes) / 1_048_576, atMost: 64)]
            } else {
                r.figures["sort_memory_mib"] = Double(sortMemoryMiB)
                r.figures["file_to_sort_memory"] = Double(bytes) / Double(sortMemoryMiB << 20)
                r.note = String(format: "external sort in %d MiB (file %.1f× that), checkpoint every epoch",
                                sortMemoryMiB, Double(bytes) / Double(sortMemoryMiB << 20))
                r.targets = [.init("rows/s", r.rowsPerSecond, atLeast: 300_000)]
            }
            return r
        case .kafka:
            return try BenchKafka.run(file: file, config: config, rate: kafkaRate, intervalsMs: kafkaIntervalsMs,
                                      liveLayout: liveLayout, tmp: dir, logger: logger)
        case .restart:
            return try Self.restart(file: file, bytes: bytes, config: config, dir: dir)
        }
    }

    /// The raw read of the file (the limit) and the parse (tokenizer + decoder) of the same bytes.
    static func parse(file: String, bytes: Int64, config: TripstreamConfig) throws -> BenchResult {
        var t0 = Clock.monotonicSeconds()
        let fd = open(file, O_RDONLY)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 1 << 20, alignment: 16)
        while read(fd, buffer, 1 << 20) > 0 {}
        close(fd)
        buffer.deallocate()
        let readSeconds = Clock.monotonicSeconds() - t0

        let cpu0 = Clock.cpuSeconds()
        t0 = Clock.monotonicSeconds()
        let reader = try CSVFileReader(path: file)
        var decoder = try TripDecoder(header: reader.header, timeColumn: config.timeColumn, zone: config.timeZone)
        var locations = StringInterner()
        var rows: Int64 = 0
        var checksum: Int64 = 0
        while let rec = try reader.next() {
            rows += 1
            if rec.malformed == nil, case .trip(let t) = decoder.decode(rec.bytes, fields: reader.fields, locations: &locations) {
                checksum &+= t.eventTime
            }
        }
        let seconds = Clock.monotonicSeconds() - t0
        var r = BenchResult(scenario: "parse", rows: rows, bytes: bytes, seconds: seconds,
                            cpuSeconds: Clock.cpuSeconds() - cpu0, peakRSSBytes: Clock.peakRSSBytes())
        let readMBs = Double(bytes) / 1_048_576 / readSeconds
        let splitter = Self.referenceSplit(file: file)
        let splitterMBs = Double(bytes) / 1_048_576 / splitter.seconds
        r.figures = ["read_seconds": readSeconds, "read_mb_per_second": readMBs,
                     "parse_to_read_speed": r.megabytesPerSecond / readMBs, "checksum": Double(checksum & 0xFFFF),
                     "splitter_mb_per_second": splitterMBs, "splitter_records": Double(splitter.records)]
        r.note = String(format: "raw read %.0f MB/s (page cache), byte-at-a-time splitter %.0f MB/s", readMBs, splitterMBs)
        r.targets = [.init("fraction of read speed", r.megabytesPerSecond / readMBs, atLeast: 0.5)]
        return r
    }

    /// The simplest RFC 4180 record splitter, one byte at a time (quotes toggle, a newline outside quotes ends a
    /// record): CPU work per byte, as the parse's, so the guard's ratio does not swing with the machine's memory
    /// bandwidth the way one against the raw read does (2.7 GB/s here, 14.5 GB/s on a CI machine).
    static func referenceSplit(file: String) -> (seconds: Double, records: Int) {
        let t0 = Clock.monotonicSeconds()
        let fd = open(file, O_RDONLY)
        let size = 1 << 20
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: size)
        var records = 0
        var quoted = false
        while true {
            let n = read(fd, buffer, size)
            if n <= 0 { break }
            for i in 0..<n {
                let b = buffer[i]
                if b == UInt8(ascii: "\"") {
                    quoted.toggle()
                } else if b == UInt8(ascii: "\n") && !quoted {
                    records += 1
                }
            }
        }
        close(fd)
        buffer.deallocate()
        return (Clock.monotonicSeconds() - t0, records)
    }

    /// Start-up to the first processed row: a fresh replay, and a restart that restores the state checkpointed
    /// after 90 % of the epochs (the first run is killed right after that checkpoint, as a crash would).
    static func restart(file: String, bytes: Int64, config: TripstreamConfig, dir: String) throws -> BenchResult {
        let binary = "/proc/self/exe"
        let base = ["replay", file, "--order", "file", "--db", "\(dir)/r.sqlite", "--state", "\(dir)/r.state", "--quiet",
                    "--epoch-rows", "\(config.epochRows)", "--tenant", config.tenant]
        func replay(_ extra: [String], environment: [String: String] = [:]) throws -> (status: Int32, output: String) {
            let run = try ChildProcess.run(binary, base + extra, environment: environment)
            return (run.status, String(decoding: run.output, as: UTF8.self))
        }
        func number(after label: String, in text: String) -> Double? {
            guard let line = text.split(separator: "\n").first(where: { $0.contains(label) }) else { return nil }
            return line.split(separator: " ").compactMap { Double($0) }.first
        }
        let fresh = try replay(["--reset"])
        guard fresh.status == 0, let freshFirst = number(after: "first row", in: fresh.output),
              let epochs = number(after: "epochs", in: fresh.output) else {
            throw BenchError("the fresh replay for the restart scenario failed: \(fresh.output)")
        }
        // The n-th checkpoint commit is epoch n + 1's (epoch 1 commits an initial one): leave the last 10 % to do.
        let crashAt = max(1, Int(epochs * 0.9) - 1)
        let children0 = Self.childrenUsage()
        let crashed = try replay(["--reset"], environment: ["TRIPSTREAM_CRASH_AT": "after-lmdb-commit:\(crashAt)"])
        guard crashed.status == 86 else { throw BenchError("the crash run ended with \(crashed.status), not 86") }
        let t0 = Clock.monotonicSeconds()
        let resumed = try replay([])
        let seconds = Clock.monotonicSeconds() - t0
        guard resumed.status == 0,
              let restoredAfter = resumed.output.firstMatch(of: /resumed after epoch ([0-9]+)/).flatMap({ Double($0.output.1) }) else {
            throw BenchError("the resumed replay failed: \(resumed.output)")
        }
        guard let restoredFirst = number(after: "first row", in: resumed.output) else {
            throw BenchError("too few epochs (\(Int(epochs))) to leave rows after the restored checkpoint: use more rows or smaller epochs")
        }
        // The work happens in child processes: their CPU time and largest resident set.
        let children = Self.childrenUsage()
        // rows/bytes 0: the resumed run's rate says nothing about start-up (its summary counts restored rows too).
        var r = BenchResult(scenario: "restart", rows: 0, bytes: 0, seconds: seconds,
                            cpuSeconds: children.cpu - children0.cpu, peakRSSBytes: children.maxRSS)
        r.figures = ["fresh_first_row_seconds": freshFirst, "restored_first_row_seconds": restoredFirst,
                     "restored_after_epoch": restoredAfter]
        r.note = String(format: "first row: fresh %.3f s; restoring the state after epoch %.0f of %.0f %.3f s (whole resumed run timed)",
                        freshFirst, restoredAfter, epochs, restoredFirst)
        r.targets = [.init("fresh first row s", freshFirst, atMost: 0.05),
                     .init("restored first row s", restoredFirst, atMost: 1)]
        return r
    }
}

extension BenchScenario {
    /// CPU seconds of the waited-for children so far, and the largest resident set among them.
    static func childrenUsage() -> (cpu: Double, maxRSS: Int64) {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        return (Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
                    + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6,
                Int64(usage.ru_maxrss) * 1024)
    }
}
