import Foundation
import Logging
import TripCheckpoint
import TripCore
import TripEngine
import TripParsing
import TripSinks
import TripSQL
import TripSources
import TripTelemetry

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
    /// Keep this tenant's existing rows in the mirror instead of clearing them on a fresh start.
    public var keepExisting: Bool
    /// Checkpoint state directory (LMDB); nil = no checkpoints. Needs a mirror and a file (not stdin).
    public var stateDirectory: String?
    /// Discard the state directory's checkpoint (and fingerprint) and start from the beginning.
    public var reset = false
    public var checkpointEveryEpochs = 1
    public var checkpointEveryMilliseconds: Int?
    /// Records longer than this many bytes become dead letters (read past, never held whole).
    public var maxRecordBytes = CSVFileReader.defaultMaxRecordBytes
    /// Metrics and live status for the HTTP server, when one runs.
    public var telemetry: PipelineTelemetry?

    public init(input: String, order: ReplayOrder, database: String?, config: TripstreamConfig,
                sortMemoryBytes: Int = 64 << 20, spillDirectory: String = "/tmp", keepExisting: Bool = false,
                stateDirectory: String? = nil) {
        self.input = input
        self.order = order
        self.database = database
        self.config = config
        self.sortMemoryBytes = sortMemoryBytes
        self.spillDirectory = spillDirectory
        self.keepExisting = keepExisting
        self.stateDirectory = stateDirectory
    }

    /// The default state directory: beside the SQLite file.
    /// `<mirror>.<tenant>.state`: tenants sharing a mirror never share (or fight over) a checkpoint.
    public static func defaultStateDirectory(forDatabase db: String, tenant: String) -> String { "\(db).\(tenant).state" }

    /// What a checkpoint must match to be resumed: the configuration and the replay order.
    /// A non-default record size limit is part of it (it decides which records are dead letters).
    public var fingerprint: String {
        let limit = maxRecordBytes == CSVFileReader.defaultMaxRecordBytes ? "" : "\nmax record bytes: \(maxRecordBytes)"
        return config.canonicalJSON + "\norder: \(order.rawValue)" + limit
    }

    /// Builds the source the order asks for, resuming at `position` (a verified checkpoint's) when given.
    /// `decoder` is the one built from the input's header when it was checked (files only).
    func makeSource(store: CheckpointStore?, position: Checkpoint.Position?, decoder: TripDecoder?) throws -> RecordSource {
        switch order {
        case .file:
            let reader = try CSVFileReader(path: input, maxRecordBytes: maxRecordBytes)
            if case .file(_, let offset)? = position { try reader.seek(to: offset) }
            return reader
        case .eventTime:
            guard input != "-" else {
                throw SourceError("--order event-time needs a file (it reads the input twice); stdin replays in file order")
            }
            guard config.timeColumn != .ingest else {
                throw SourceError("--order event-time needs an event-time column; time_column is ingest")
            }
            guard let decoder else { throw SourceError("--order event-time needs a file") }
            var resume: SortResume?
            if case .eventTime(_, let ordinal, let runOffsets)? = position {
                resume = SortResume(position: ordinal, runOffsets: runOffsets)
            }
            let persistence = store.map { s in
                SortPersistence(directory: s.sortDirectory, load: { try s.loadSortManifest() },
                                save: { try s.saveSortManifest($0) })
            }
            return try EventTimeSortedReader(
                path: input, memoryBudget: sortMemoryBytes, spillDirectory: spillDirectory, persistence: persistence,
                resume: resume,
                maxRecordBytes: maxRecordBytes
            ) { bytes, fields in
                decoder.eventTime(bytes, fields: fields) ?? .min
            }
        }
    }

    public func run(logger: Logger, onProgress: ((ReplayProgress) -> Void)? = nil) throws -> ReplaySummary {
        guard config.timeColumn != .kafkaTimestamp else {
            throw SourceError("time_column kafka_timestamp needs Kafka messages (tripstream run); a CSV replay has none")
        }
        // Input problems come first: a missing file or header is the user's first thing to fix.
        var headerDecoder: TripDecoder?
        if input != "-" {
            let probe = try CSVFileReader(path: input, chunkSize: 1 << 16, maxRecordBytes: maxRecordBytes)
            headerDecoder = try TripDecoder(header: probe.header, timeColumn: config.timeColumn, zone: config.timeZone)
        }
        let queries = try ConfiguredQueries.runnable(config)
        let values = try ConfiguredQueries.values(config)  // the enabled built-ins', then `queries`': the engine's order
        let mirror = try database.map { try SQLiteMirror(path: $0, tenant: config.tenant, queries: values) }
        var store: CheckpointStore?
        var resumed: Resumed?
        if let dir = stateDirectory, let mirror, let database {
            if input == "-" {
                logger.notice("standard input cannot be replayed again after a crash: no checkpoints for this run")
            } else {
                // An unfinished replay in the mirror with no state at all: the state was lost, not never made.
                if !reset, !FileManager.default.fileExists(atPath: dir + "/data.mdb"),
                   let last = try mirror.lastProgress(), !last.finished {
                    throw CheckpointError("the mirror shows an unfinished replay of \(last.source) (epoch \(last.epoch)) but "
                        + "its checkpoint state \(dir) is missing, so it cannot resume; use --reset to replay from the beginning")
                }
                let s = try CheckpointStore(directory: dir, fingerprint: fingerprint, reset: reset)
                store = s
                resumed = try EpochDriver.restore(from: s, stateDirectory: dir, mirror: mirror, database: database,
                                                  rules: self, logger: logger)
            }
        }
        if resumed == nil, let mirror, !keepExisting { try mirror.clearTenant() }
        let records = try makeSource(store: store, position: resumed?.checkpoint.position, decoder: headerDecoder)
        let writer = mirror.map {
            CommitCoordinator(sinks: [MirrorSink(mirror: $0, telemetry: telemetry)], checkpoints: store, telemetry: telemetry)
        }
        telemetry?.start(from: resumed?.state.counters ?? Counters())
        let driver = EpochDriver(
            engine: Engine(config: config, queries: queries, state: resumed?.state ?? EngineState()), writer: writer,
            checkpoints: store.map {
                CheckpointPlan(store: $0, everyEpochs: checkpointEveryEpochs, everyMilliseconds: checkpointEveryMilliseconds)
            })
        let source = try RecordEpochSource(records: records, config: config, layout: driver.engine.layout,
                                           input: InputFile(path: input, size: inputSize), logger: logger)
        source.onProgress = onProgress
        if let sorter = records as? EventTimeSortedReader, let onProgress {
            let start = Clock.monotonicSeconds()
            sorter.onSortProgress = { done, total in
                onProgress(ReplayProgress(phase: "sort", done: done, total: total, rowsRead: 0,
                                          seconds: Clock.monotonicSeconds() - start))
            }
        }
        let start = Clock.monotonicSeconds()
        source.start = start
        var summary = try driver.run(source, start: start, resumedAfterEpoch: resumed?.checkpoint.epoch)
        source.report(phase: "done", rowsRead: driver.engine.state.counters.rowsRead)
        logger.debug("time in endEpoch \(driver.endEpochSeconds) s, in the mirror \(writer?.busySeconds ?? 0) s (own thread), waiting for the mirror \(writer?.producerWaitSeconds ?? 0) s")
        if store != nil, let sorter = records as? EventTimeSortedReader { sorter.removeRuns() }
        summary.secondsToFirstRow = source.firstRow
        summary.seconds = Clock.monotonicSeconds() - start
        summary.peakRSSBytes = Clock.peakRSSBytes()
        return summary
    }

    var inputSize: Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: input)[.size]) as? NSNumber)?.int64Value ?? -1
    }
}

extension ReplayJob: ResumeRules {
    /// A checkpoint resumes only the same input, unchanged in size, in the same order. Says where it resumes: the
    /// byte offset (file order) or the merged ordinal (event time).
    func verify(_ position: Checkpoint.Position, stateDirectory dir: String) throws -> String {
        let file: InputFile, at: Int64
        switch (order, position) {
        case (.file, .file(let f, let offset)): (file, at) = (f, offset)
        case (.eventTime, .eventTime(let f, let ordinal, _)): (file, at) = (f, ordinal)
        default:
            // The fingerprint names the order, so only a damaged state gets here.
            throw CheckpointError("the state in \(dir) holds a checkpoint of \(position.sourceName) that is not a "
                                  + "\(order.rawValue)-order replay's; use another --state directory or --reset")
        }
        guard file.path == input else {
            throw CheckpointError("the state in \(dir) belongs to a replay of \(file.path), not \(input); "
                                  + "use another --state directory or --reset")
        }
        guard file.size == inputSize else {
            throw CheckpointError("\(input) changed since the checkpoint in \(dir) (\(file.size) bytes then, "
                                  + "\(inputSize) now); use --reset to replay it from the beginning")
        }
        return " (\(order.rawValue) order, position \(at))"
    }

    /// A finished replay starts again from the beginning; an external sort interrupted before the first
    /// checkpoint resumes at its last complete run; anything else left over never reached a checkpoint.
    func startAfresh(store: CheckpointStore, stateDirectory dir: String, finished: Bool, logger: Logger) throws {
        if finished {
            logger.info("the replay checkpointed in \(dir) had finished: starting from the beginning")
            try store.discardProgress()
        } else if order == .eventTime, let sort = try store.loadSortManifest(), sort.runs > 0 || sort.complete {
            logger.info("resuming the external sort after \(sort.runs) complete runs (\(sort.records) records)")
        } else {
            try store.discardProgress()
        }
    }
}
