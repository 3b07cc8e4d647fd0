import Logging
import TripCore
import TripParsing
import TripSinks
import TripSources

/// The order in which a replay feeds records to the engine.
public enum ReplayOrder: String, Sendable, CaseIterable {
    /// As stored. Rows behind the watermark are late (dead-lettered with reason `late`).
    case file
    /// Sorted by event time first (external sort, bounded memory): emulates the live feed.
    case eventTime = "event-time"
}

/// Everything `tripstream replay` needs, as one value (shared by the CLI, the benchmark and tests).
public struct ReplayJob: Sendable {
    public var input: String
    public var order: ReplayOrder
    public var database: String?
    public var config: TripstreamConfig
    public var sortMemoryBytes: Int
    public var spillDirectory: String
    /// Keep this tenant's existing rows in the mirror instead of clearing them first.
    public var keepExisting: Bool

    public init(input: String, order: ReplayOrder, database: String?, config: TripstreamConfig,
                sortMemoryBytes: Int = 64 << 20, spillDirectory: String = "/tmp", keepExisting: Bool = false) {
        self.input = input
        self.order = order
        self.database = database
        self.config = config
        self.sortMemoryBytes = sortMemoryBytes
        self.spillDirectory = spillDirectory
        self.keepExisting = keepExisting
    }

    /// Builds the source the order asks for.
    public func makeSource() throws -> RecordSource {
        switch order {
        case .file:
            return try CSVFileReader(path: input)
        case .eventTime:
            guard input != "-" else {
                throw SourceError("--order event-time needs a file (it reads the input twice); stdin replays in file order")
            }
            guard config.timeColumn != .ingest else {
                throw SourceError("--order event-time needs an event-time column; time_column is ingest")
            }
            let probe = try CSVFileReader(path: input)
            let decoder = try TripDecoder(header: probe.header, timeColumn: config.timeColumn, zone: config.timeZone)
            return try EventTimeSortedReader(path: input, memoryBudget: sortMemoryBytes,
                                             spillDirectory: spillDirectory) { bytes, fields in
                decoder.eventTime(bytes, fields: fields) ?? .min
            }
        }
    }

    public func run(logger: Logger, onProgress: ((ReplayProgress) -> Void)? = nil) throws -> ReplaySummary {
        let source = try makeSource()
        let mirror = try database.map { try SQLiteMirror(path: $0, tenant: config.tenant) }
        if let mirror, !keepExisting { try mirror.clearTenant() }
        let pipeline = try ReplayPipeline(config: config, source: source, mirror: mirror, logger: logger)
        pipeline.onProgress = onProgress
        if let sorter = source as? EventTimeSortedReader, let onProgress {
            let start = Clock.monotonicSeconds()
            sorter.onSortProgress = { done, total in
                onProgress(ReplayProgress(phase: "sort", done: done, total: total, rowsRead: 0,
                                          seconds: Clock.monotonicSeconds() - start))
            }
        }
        return try pipeline.run()
    }
}
