#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TripParsing

/// Replays a CSV file in event-time order with bounded memory: an external merge sort.
///
/// Pass 1 reads the file, computes each record's sort key (its event time; records without a usable time
/// sort first, so they reach the dead-letter table at once), and collects records in a run buffer; a full
/// buffer is sorted by (key, byte offset) and spilled to a run file. Pass 2 merges the runs.
/// Ties keep file order, so the order — and every result — is deterministic.
public final class EventTimeSortedReader: RecordSource {
    public let name: String
    public let header: CSVHeader
    public let orderMode = "event-time"
    public private(set) var fields: [CSVField] = []
    public private(set) var position: Int64 = 0
    public private(set) var recordCount: Int64 = 0
    public private(set) var runCount = 0
    /// Called during pass 1 with bytes read so far and the file size.
    public var onSortProgress: ((Int64, Int64?) -> Void)?

    let reader: CSVFileReader
    let keyOf: (UnsafeRawBufferPointer, [CSVField]) -> Int64
    let memoryBudget: Int
    let spillDirectory: String
    var tokenizer = CSVTokenizer()
    var sorted = false
    // In-memory run (also the only run when the file fits).
    var arena: [UInt8] = []
    var entries: [SortEntry] = []
    var nextEntry = 0
    var runPaths: [String] = []
    var runs: [RunFileReader] = []
    var heap: [Int] = []

    struct SortEntry {
        var key: Int64
        var offset: Int64
        var start: Int
        var length: Int
    }

    /// - Parameters:
    ///   - keyOf: the event time (ms) of a record's bytes and fields, or Int64.min when it has none.
    ///   - memoryBudget: bytes of records held in memory before a run is spilled.
    public init(path: String, memoryBudget: Int, spillDirectory: String,
                keyOf: @escaping (UnsafeRawBufferPointer, [CSVField]) -> Int64) throws {
        reader = try CSVFileReader(path: path)
        name = path
        header = reader.header
        self.keyOf = keyOf
        self.memoryBudget = max(memoryBudget, 1 << 16)
        self.spillDirectory = spillDirectory
    }

    deinit { removeRuns() }

    public var progressDone: Int64 { sorted ? position : reader.position }
    public var progressTotal: Int64? { sorted ? recordCount : reader.totalBytes }

    public func next() throws -> RawRecord? {
        if !sorted { try sortRuns() }
        let record: (key: Int64, offset: Int64, bytes: UnsafeRawBufferPointer)
        if runs.isEmpty {
            guard nextEntry < entries.count else { return nil }
            let e = entries[nextEntry]
            nextEntry += 1
            let bytes = arena.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[e.start..<e.start + e.length]) }
            record = (e.key, e.offset, bytes)  // arena is not mutated after sorting: the pointer stays valid
        } else {
            if pendingAdvance {
                // The previous record's bytes were valid until this call: only now move its run on.
                if try !runs[heap[0]].advance() {
                    heap.swapAt(0, heap.count - 1)
                    heap.removeLast()
                }
                heapSiftDown()
            }
            guard let top = heap.first else { return nil }
            let run = runs[top]
            record = (run.key, run.offset, run.bytes)
            pendingAdvance = true
        }
        position += 1
        switch tokenizer.scan(record.bytes, from: 0, atEOF: true) {
        case .malformed(let reason, _, _):
            fields = []
            return RawRecord(offset: record.offset, bytes: record.bytes, malformed: reason)
        default:
            fields = tokenizer.fields
            return RawRecord(offset: record.offset, bytes: record.bytes, malformed: nil)
        }
    }

    var pendingAdvance = false

    /// Pass 1 and the start of pass 2.
    func sortRuns() throws {
        var bytesInRun = 0
        while let rec = try reader.next() {
            let key = rec.malformed == nil ? keyOf(rec.bytes, reader.fields) : Int64.min
            entries.append(SortEntry(key: key, offset: rec.offset, start: arena.count, length: rec.bytes.count))
            arena.append(contentsOf: rec.bytes)
            recordCount += 1
            bytesInRun += rec.bytes.count + MemoryLayout<SortEntry>.stride
            if bytesInRun >= memoryBudget {
                try spillRun()
                bytesInRun = 0
            }
            if recordCount & 0x3FFF == 0 { onSortProgress?(reader.position, reader.totalBytes) }
        }
        sortEntries()
        if !runPaths.isEmpty {
            if !entries.isEmpty { try spillRun() }
            runs = try runPaths.map { try RunFileReader(path: $0, bufferSize: max(memoryBudget / (runPaths.count + 1), 1 << 16)) }
            heap = []
            for i in runs.indices where try runs[i].advance() { heapPush(i) }
        }
        runCount = max(runPaths.count, 1)
        sorted = true
    }

    func sortEntries() {
        entries.sort { ($0.key, $0.offset) < ($1.key, $1.offset) }
    }

    func spillRun() throws {
        sortEntries()
        let path = "\(spillDirectory)/tripstream-sort-\(getpid())-\(runPaths.count).run"
        let writer = try RunFileWriter(path: path)
        try arena.withUnsafeBytes { a in
            for e in entries {
                try writer.write(key: e.key, offset: e.offset,
                                 bytes: UnsafeRawBufferPointer(rebasing: a[e.start..<e.start + e.length]))
            }
        }
        try writer.finish()
        runPaths.append(path)
        entries.removeAll(keepingCapacity: true)
        arena.removeAll(keepingCapacity: true)
    }

    func removeRuns() {
        runs = []
        for p in runPaths { unlink(p) }
        runPaths = []
    }

    // Binary min-heap of run indices by (key, offset).
    func less(_ a: Int, _ b: Int) -> Bool { (runs[a].key, runs[a].offset) < (runs[b].key, runs[b].offset) }

    func heapPush(_ run: Int) {
        heap.append(run)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard less(heap[i], heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    func heapSiftDown() {
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count && less(heap[l], heap[m]) { m = l }
            if r < heap.count && less(heap[r], heap[m]) { m = r }
            if m == i { return }
            heap.swapAt(i, m)
            i = m
        }
    }
}
