#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TripCore
import TripParsing

/// Where a restartable sort keeps its runs and first-pass progress (the checkpoint state directory).
public struct SortPersistence {
    public var directory: String
    public var load: () throws -> SortManifest?
    public var save: (SortManifest) throws -> Void
    public init(directory: String, load: @escaping () throws -> SortManifest?, save: @escaping (SortManifest) throws -> Void) {
        self.directory = directory
        self.load = load
        self.save = save
    }
}

/// Where a resumed merge continues: the merged ordinal and, per run, the offset of its next record.
public struct SortResume: Sendable, Equatable {
    public var position: Int64
    public var runOffsets: [Int64]
    public init(position: Int64, runOffsets: [Int64]) {
        self.position = position
        self.runOffsets = runOffsets
    }
}

/// Replays a CSV file in event-time order with bounded memory: an external merge sort.
///
/// Pass 1 reads the file, computes each record's sort key (its event time; records without a usable time
/// sort first, so they reach the dead-letter table at once), and collects records in a run buffer; a full
/// buffer is sorted by (key, byte offset) and spilled to a run file. Pass 2 merges the runs.
/// Ties keep file order, so the order — and every result — is deterministic.
///
/// With `persistence` (checkpointing on) the runs live in the state directory and every spilled run is
/// recorded, so a crash during pass 1 resumes at the last complete run; in pass 2 a checkpoint stores each
/// run's read offset (`runOffsets`), so a restart seeks the runs instead of sorting again.
public final class EventTimeSortedReader: RecordSource {
    public let name: String
    public let header: CSVHeader
    public let orderMode = "event-time"
    /// The fields of the record last returned (none for a malformed one).
    public var fields: CSVFields { lastMalformed ? [] : tokenizer.fields }
    // The properties used per record are exempt from the dynamic exclusivity check a class's stored property
    // pays on every access (several accesses per record): they are used by one thread at a time and never
    // re-entrantly.
    @exclusivity(unchecked) var lastMalformed = false
    @exclusivity(unchecked) public private(set) var position: Int64 = 0
    @exclusivity(unchecked) public private(set) var recordCount: Int64 = 0
    /// Called during pass 1 with bytes read so far and the file size.
    public var onSortProgress: ((Int64, Int64?) -> Void)?

    let reader: CSVFileReader
    let keyOf: (UnsafeRawBufferPointer, CSVFields) -> Int64
    let memoryBudget: Int
    let spillDirectory: String
    let persistence: SortPersistence?
    let resume: SortResume?
    @exclusivity(unchecked) var tokenizer = CSVTokenizer()
    @exclusivity(unchecked) var sorted = false
    // In-memory run (also the only run when the file fits and nothing is persisted).
    @exclusivity(unchecked) var arena: [UInt8] = []
    @exclusivity(unchecked) var entries: [SortEntry] = []
    @exclusivity(unchecked) var nextEntry = 0
    var runPaths: [String] = []
    @exclusivity(unchecked) var runs: [RunFileReader] = []
    @exclusivity(unchecked) var heap: [Int] = []
    @exclusivity(unchecked) var pendingAdvance = false
    /// Per run: offset just after the last record returned (a checkpoint's resume point).
    @exclusivity(unchecked) public private(set) var runOffsets: [Int64] = []

    struct SortEntry {
        var key: Int64
        var offset: Int64
        var start: Int
        var length: Int
        /// Over the record size limit: the bytes are only its first ones, so a rescan cannot tell.
        var tooLong: Bool
    }

    /// - Parameters:
    ///   - keyOf: the event time (ms) of a record's bytes and fields, or Int64.min when it has none.
    ///   - memoryBudget: bytes of records held in memory before a run is spilled.
    ///   - maxRecordBytes: the record size limit, as in file order (`CSVFileReader`).
    public init(path: String, memoryBudget: Int, spillDirectory: String, persistence: SortPersistence? = nil,
                resume: SortResume? = nil, maxRecordBytes: Int = CSVFileReader.defaultMaxRecordBytes,
                keyOf: @escaping (UnsafeRawBufferPointer, CSVFields) -> Int64) throws {
        reader = try CSVFileReader(path: path, maxRecordBytes: maxRecordBytes)
        name = path
        header = reader.header
        self.keyOf = keyOf
        self.memoryBudget = max(memoryBudget, 1 << 16)
        self.spillDirectory = persistence?.directory ?? spillDirectory
        self.persistence = persistence
        self.resume = resume
    }

    deinit { if persistence == nil { removeRuns() } }

    public var progressDone: Int64 { sorted ? position : reader.position }
    public var progressTotal: Int64? { sorted ? recordCount : reader.totalBytes }

    public func next() throws -> RawRecord? {
        if !sorted { try sortRuns() }
        let record: (key: Int64, offset: Int64, bytes: UnsafeRawBufferPointer, tooLong: Bool)
        if runs.isEmpty {
            guard nextEntry < entries.count else { return nil }
            let e = entries[nextEntry]
            nextEntry += 1
            let bytes = arena.withUnsafeBytes { UnsafeRawBufferPointer(rebasing: $0[e.start..<e.start + e.length]) }
            record = (e.key, e.offset, bytes, e.tooLong)  // arena is not mutated after sorting: the pointer stays valid
        } else {
            if pendingAdvance {
                // The previous record's bytes were valid until this call: only now move its run on.
                let top = heap[0]
                runOffsets[top] = runs[top].recordEnd
                if try !runs[top].advance() {
                    heap.swapAt(0, heap.count - 1)
                    heap.removeLast()
                }
                heapSiftDown()
                pendingAdvance = false
            }
            guard let top = heap.first else { return nil }
            let run = runs[top]
            record = (run.key, run.offset, run.bytes, run.tooLong)
            pendingAdvance = true
        }
        position += 1
        if record.tooLong {
            lastMalformed = true
            return RawRecord(offset: record.offset, bytes: record.bytes, malformed: reader.tooLongReason)
        }
        // The record's bytes, line end excluded, tokenize as they did in the file: the same fields or reason.
        switch tokenizer.scan(record.bytes, from: 0, atEOF: true) {
        case .malformed(let reason, _, _):
            lastMalformed = true
            return RawRecord(offset: record.offset, bytes: record.bytes, malformed: reason)
        default:
            lastMalformed = false
            return RawRecord(offset: record.offset, bytes: record.bytes, malformed: nil,
                             eventTime: record.key == .min ? nil : record.key)
        }
    }

    /// Resume offsets as of the last record returned (its run counts it as replayed).
    public var checkpointRunOffsets: [Int64] {
        var offsets = runOffsets
        if pendingAdvance, let top = heap.first { offsets[top] = runs[top].recordEnd }
        return offsets
    }

    func runPath(_ i: Int) -> String { "\(spillDirectory)/run-\(i)" }

    /// Pass 1 (or its resumption) and the start of pass 2.
    func sortRuns() throws {
        var manifest = try persistence?.load()
            ?? SortManifest(runs: 0, inputOffset: reader.dataStart, records: 0, complete: false)
        runPaths = (0..<manifest.runs).map(runPath)
        recordCount = manifest.records
        if !manifest.complete {
            if persistence != nil {
                removeStaleRuns(from: manifest.runs)
                if manifest.inputOffset > reader.dataStart { try reader.seek(to: manifest.inputOffset) }
            }
            // The budget is fixed up front: appends never double the arena past it.
            arena.reserveCapacity(memoryBudget)
            var bytesInRun = 0
            while let rec = try reader.next() {
                let key = rec.malformed == nil ? keyOf(rec.bytes, reader.fields) : Int64.min
                let tooLong = rec.malformed != nil && rec.malformed == reader.tooLongReason
                entries.append(SortEntry(key: key, offset: rec.offset, start: arena.count, length: rec.bytes.count,
                                         tooLong: tooLong))
                arena.append(contentsOf: rec.bytes)
                recordCount += 1
                bytesInRun += rec.bytes.count + MemoryLayout<SortEntry>.stride
                if bytesInRun >= memoryBudget || arena.count + 65_536 > arena.capacity {
                    try spillRun()
                    bytesInRun = 0
                    manifest = SortManifest(runs: runPaths.count, inputOffset: reader.position, records: recordCount,
                                            complete: false)
                    try persistence?.save(manifest)
                }
                if recordCount % 1000 == 0 { CrashPoints.reach(.duringSort) }
                if recordCount & 0x3FFF == 0 { onSortProgress?(reader.position, reader.totalBytes) }
            }
            sortEntries()
            // Persisted sorts always spill, so a restart never sorts again; otherwise spill only if runs exist.
            if (!runPaths.isEmpty || persistence != nil) && !entries.isEmpty { try spillRun() }
            try persistence?.save(SortManifest(runs: runPaths.count, inputOffset: reader.position,
                                               records: recordCount, complete: true))
        }
        if !runPaths.isEmpty {
            // Pass 2 reads the runs through buffers sharing the budget; the first pass's memory goes back.
            arena = []
            entries = []
            let size = max(memoryBudget / (runPaths.count + 1), 1 << 16)
            runs = try runPaths.map { try RunFileReader(path: $0, bufferSize: size) }
            runOffsets = Array(repeating: 0, count: runs.count)
            if let resume {
                guard resume.runOffsets.count == runs.count else {
                    throw SourceError("the checkpoint names \(resume.runOffsets.count) sort runs, the state has \(runs.count)")
                }
                for i in runs.indices { try runs[i].seek(to: resume.runOffsets[i]) }
                runOffsets = resume.runOffsets
                position = resume.position
            }
            heap = []
            for i in runs.indices where try runs[i].advance() { heapPush(i) }
        } else if let resume {
            // Everything was sorted in memory (no state to resume from): skip what was already replayed.
            nextEntry = Int(min(resume.position, Int64(entries.count)))
            position = Int64(nextEntry)
        }
        sorted = true
    }

    func sortEntries() {
        entries.sort { ($0.key, $0.offset) < ($1.key, $1.offset) }
    }

    func spillRun() throws {
        sortEntries()
        let path = persistence != nil ? runPath(runPaths.count)
            : "\(spillDirectory)/tripstream-sort-\(getpid())-\(runPaths.count).run"
        let writer = try RunFileWriter(path: path, bufferSize: min(1 << 20, arena.count + 20 * entries.count))
        do {
            try arena.withUnsafeBytes { a in
                for e in entries {
                    try writer.write(key: e.key, offset: e.offset, tooLong: e.tooLong,
                                     bytes: UnsafeRawBufferPointer(rebasing: a[e.start..<e.start + e.length]))
                }
            }
            try writer.finish()
        } catch {
            // A partial run is of no use to anyone (a restart writes it again): leave no file behind.
            writer.discard()
            throw error
        }
        runPaths.append(path)
        entries.removeAll(keepingCapacity: true)
        arena.removeAll(keepingCapacity: true)
    }

    /// Run files beyond the manifest were being written when a crash came: they are redone.
    func removeStaleRuns(from first: Int) {
        var i = first
        while unlink(runPath(i)) == 0 { i += 1 }
    }

    /// Deletes the run files (after the final checkpoint: nothing will resume from them).
    public func removeRuns() {
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
