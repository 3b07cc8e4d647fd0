import TripCore
import TripSQL

/// Every query of a job as one deterministic state machine, driven epoch by epoch: `ingest` each row of the
/// epoch, then `endEpoch` advances the watermarks, finalizes windows and returns the result changes. Given the
/// same state and the same epoch rows it always returns the same output.
///
/// The queries are the four built-ins (their SQL under the configuration, `BuiltinQueries`) and then the
/// configured SQL queries, all compiled the same way (`QueryProgram`) and run by the same loop.
///
/// Watermark semantics follow Spark Structured Streaming: within an epoch, rows are judged against the
/// watermark as of the epoch's start; at the epoch's end each query's watermark becomes
/// max(previous, max event time − delay), and windows whose end ≤ watermark are final.
public struct Engine: Sendable {
    public let config: TripstreamConfig
    public var state: EngineState
    /// The columns the queries read and how text is coded: what the decoders must fill in a `QueryRow`.
    public let layout: RowLayout
    /// Every query compiled, the built-ins first (`state.queries[i]` is `programs[i]`'s state).
    let programs: [QueryProgram]
    /// `programs[i].kernel`: what the per-row loop reads, at a fixed address (the loop reads each query's
    /// through a pointer: a copy of one per query and row cost a 168-byte `memcpy`).
    let kernels: PinnedBuffer<QueryKernel>
    /// Cache of the local day holding the last event (day number, its UTC start and end in ms).
    var dayCache: DayCache = (0, 0, 0)
    typealias DayCache = (day: Int64, start: EventTime, end: EventTime)
    /// Places of `state.queryTexts` in UTF-8 byte order, refreshed when texts were added (`ranks(of:)`).
    var textRanks: [Int32] = []

    /// How many queries come first as the built-ins: the enabled ones, in `QueryName` order.
    public let builtinCount: Int

    /// The built-ins and then `queries` (at most `maxQueries`). A restored `state` must hold the same queries
    /// (the checkpoint fingerprint guarantees it); a fresh one gets their empty state, and the text literals of
    /// their WHERE clauses interned into `state.queryTexts` in query order. A state from a checkpoint of a build
    /// that ran the built-ins hand-wired gets their state converted (`BuiltinStateConversion`).
    public init(config: TripstreamConfig, queries: [RunnableQuery] = [], state: EngineState = EngineState()) {
        precondition(queries.count <= Self.maxQueries, "at most \(Self.maxQueries) SQL queries")
        self.config = config
        let builtins = Self.builtins(config)
        builtinCount = builtins.count
        let all = builtins + queries
        let layout = RowLayout(queries: all.map(\.query))
        var state = state
        let programs = all.map { QueryProgram($0, layout: layout, texts: &state.queryTexts) }
        if let legacy = state.legacyBuiltins {
            // A format-1 state comes from a build that always ran the four, and the fingerprint of a
            // configuration that disables one differs from theirs: the checkpoint was refused before this.
            precondition(builtinCount == QueryName.allCases.count, "a format-1 engine state needs the four built-ins")
            do {
                let builtins = try BuiltinStateConversion.queryStates(
                    of: legacy, programs: Array(programs.prefix(builtinCount)), texts: &state.queryTexts)
                state.queries = builtins + state.queries
                state.legacyBuiltins = nil
            } catch {
                preconditionFailure("a format-1 engine state does not convert: \(error)")
            }
        }
        if state.queries.isEmpty {
            state.queries = programs.map(QueryState.init)
        } else {
            precondition(state.queries.count == programs.count && zip(state.queries, programs).allSatisfy { $0.matches($1) },
                         "the engine state holds other queries than the configuration")
        }
        self.layout = layout
        self.programs = programs
        kernels = PinnedBuffer(programs.map(\.kernel))
        self.state = state
    }

    /// The enabled built-ins as `config` sets them up. Their SQL compiles for any configuration the loader
    /// accepts (`ConfiguredQueries.resolve` refuses one whose windows it cannot express).
    public static func builtins(_ config: TripstreamConfig) -> [RunnableQuery] {
        do {
            return try ConfiguredQueries.builtins(config)
        } catch {
            preconditionFailure("a built-in does not compile under this configuration: \(error)")
        }
    }

    /// Local calendar day of an instant, with the day's UTC bounds (23 or 25 hours long on DST days).
    @inline(__always)
    static func localDay(of t: EventTime, cache: inout DayCache, zone: ZoneRules) -> (Int64, EventTime, EventTime) {
        if t >= cache.start && t < cache.end { return cache }
        let day = zone.localDay(ofUTC: floorDiv(t, 1000))
        cache = (day, zone.startOfDay(day) * 1000, zone.startOfDay(day + 1) * 1000)
        return cache
    }

    /// Closes the current epoch: advances every query's watermark (to +∞ at the end of a finite input,
    /// finalizing every window), evicts final windows and returns the rows each query's output mode emits.
    public mutating func endEpoch(endOfInput: Bool = false) -> EpochOutput {
        var out = EpochOutput(epoch: state.epoch)
        state.queryTexts.cacheStrings()
        let texts = state.queryTexts.cachedStrings
        if textRanks.count != texts.count { textRanks = Self.ranks(of: texts) }
        let ranks = textRanks
        let zone = config.timeZone
        out.queries = programs.indices.map { q in
            let p = programs[q]
            state.queries[q].advanceWatermark(p, endOfInput: endOfInput)
            return state.queries[q].emit(p, epoch: state.epoch, zone: zone, texts: texts, textRanks: ranks)
        }
        if endOfInput { state.finished = true }
        state.epoch += 1
        return out
    }
}
