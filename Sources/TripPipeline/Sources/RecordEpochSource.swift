import Logging
import TripCheckpoint
import TripCore
import TripEngine
import TripParsing
import TripSinks
import TripSources
import TripTelemetry

/// A replay's epochs: every `epochRows` records of a CSV file, in the order its reader gives them. File order
/// (`CSVFileReader`) resumes at the next record's byte offset; event-time order (`EventTimeSortedReader`, the
/// external sort) at the merged ordinal and each sorted run's offset. The reader was opened at the checkpoint's
/// position. One type serves both orders because they differ only in their reader: the per-record loop, the
/// hottest code of the product, is written once.
final class RecordEpochSource: EpochSource {
    let records: RecordSource
    /// Used once per record, never re-entrantly: exempt from the dynamic exclusivity check a class's stored
    /// property otherwise pays on every access.
    @exclusivity(unchecked) var decoder: TripDecoder
    let epochRows: Int
    /// The input as a checkpoint names it: another file, or this one grown or cut, cannot resume.
    let input: InputFile
    var onProgress: ((ReplayProgress) -> Void)?
    /// When the replay started (monotonic seconds): progress reports count from it.
    var start = Clock.monotonicSeconds() {
        didSet { lastReport = start }
    }
    private var lastReport = Clock.monotonicSeconds()
    /// Seconds from process start until the first record was read (start-up, restore, seek, sort).
    private(set) var firstRow: Double?

    init(records: RecordSource, config: TripstreamConfig, layout: RowLayout, input: InputFile, logger: Logger) throws {
        self.records = records
        self.input = input
        epochRows = config.epochRows
        decoder = try TripDecoder(header: records.header, timeColumn: config.timeColumn, zone: config.timeZone,
                                  layout: layout, parsesTripFields: false, now: { Clock.wallMilliseconds() })
        for column in decoder.absentColumns {
            logger.warning("the CSV header has no \(column) column: every row counts it as empty (NULL)")
        }
    }

    func nextEpoch(_ engine: inout Engine, deadLetters: inout [DeadLetter]) throws -> EpochInput? {
        var inEpoch = 0
        var ended = false
        let midEpoch = max(1, epochRows / 2)
        var firstRow = self.firstRow
        while true {
            guard let record = try records.next() else {
                ended = true
                break
            }
            if firstRow == nil { firstRow = Clock.secondsSinceProcessStart() }
            engine.state.counters.rowsRead += 1
            let outcome = record.malformed.map(DecodeOutcome.rejected)
                ?? decoder.decodeRow(record.bytes, fields: records.fields, texts: &engine.state.queryTexts,
                                     knownEventTime: record.eventTime)
            engine.accept(outcome, row: decoder.row, offset: record.offset, raw: { DeadLetter.raw(of: record.bytes) },
                          into: &deadLetters)
            inEpoch += 1
            if inEpoch == midEpoch { CrashPoints.reach(.midEpoch) }
            if inEpoch == epochRows { break }
        }
        self.firstRow = firstRow
        return EpochInput(endOfInput: ended, progress: EpochProgress(source: records.name, position: records.position,
                                                                     orderMode: records.orderMode))
    }

    var checkpointPosition: Checkpoint.Position {
        if let sorted = records as? EventTimeSortedReader {
            .eventTime(input, nextOrdinal: sorted.position, runOffsets: sorted.checkpointRunOffsets)
        } else {
            .file(input, nextRecordOffset: records.position)
        }
    }

    /// Reports progress after full epochs, at most every 0.2 s (the last one reports `done` once committed).
    func submitted(_ input: EpochInput, engine: Engine) {
        guard !input.endOfInput else { return }
        let now = Clock.monotonicSeconds()
        if now - lastReport >= 0.2 {
            lastReport = now
            report(phase: "replay", rowsRead: engine.state.counters.rowsRead)
        }
    }

    func report(phase: String, rowsRead: Int64) {
        onProgress?(ReplayProgress(phase: phase, done: records.progressDone, total: records.progressTotal,
                                   rowsRead: rowsRead, seconds: Clock.monotonicSeconds() - start))
    }
}
