import Foundation
import Testing
@testable import TripSources
import TripFixtures
import TripTesting

/// Sort runs: what `RunFileWriter` frames, `RunFileReader` reads back exactly, whatever the sizes.
@Suite struct RunFileTests {
    /// Random records of 0–5 000 bytes (so frames straddle the writer's 1 MiB flushes and the reader's small
    /// buffer), and one of 3 MiB, larger than the writer's buffer, which goes out directly.
    @Test func recordsOfEverySizeComeBackExactly() throws {
        let path = scratchFile("run", label: "runfile")
        defer { unlink(path) }
        var rng = SplitMix64(seed: 5)
        var records: [(key: Int64, offset: Int64, bytes: [UInt8])] = []
        for i in 0..<3000 {
            let length = i == 1500 ? 3 << 20 : Int(rng.next() % 5001)
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) }
            records.append((Int64(bitPattern: rng.next()), Int64(i) * 7, bytes))
        }
        let writer = try RunFileWriter(path: path)
        for r in records { try r.bytes.withUnsafeBytes { try writer.write(key: r.key, offset: r.offset, bytes: $0) } }
        try writer.finish()
        let reader = try RunFileReader(path: path, bufferSize: 4096)
        var n = 0
        while try reader.advance() {
            #expect(reader.key == records[n].key && reader.offset == records[n].offset)
            #expect(reader.bytes.elementsEqual(records[n].bytes), "record \(n) differs")
            n += 1
        }
        #expect(n == records.count)
    }
}
