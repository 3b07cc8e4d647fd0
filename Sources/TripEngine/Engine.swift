import TripCore

/// The four built-in queries and the SQL queries as one deterministic state machine, driven epoch by epoch:
/// `ingest` each trip of the epoch, then `endEpoch` advances the watermarks, finalizes windows and returns
/// the result changes. Given the same state and the same epoch rows it always returns the same output.
///
/// Watermark semantics follow Spark Structured Streaming: within an epoch, rows are judged against the
/// watermark as of the epoch's start; at the epoch's end each query's watermark becomes
/// max(previous, max event time − delay), and windows whose end ≤ watermark are final.
public struct Engine: Sendable {
    public let config: TripstreamConfig
    public var state: EngineState
    /// The columns the SQL queries read and how text is coded: what the decoders must fill in a `QueryRow`.
    /// Empty without SQL queries.
    public let layout: RowLayout
    /// The SQL queries compiled, in the order given (`state.queries[i]` is `programs[i]`'s state).
    let programs: [QueryProgram]
    /// `programs[i].kernel`: what the per-row loop reads, at a fixed address (the loop reads each query's
    /// through a pointer: a copy of one per query and row cost a 168-byte `memcpy`).
    let kernels: PinnedBuffer<QueryKernel>
    /// Cache of the local day holding the last event (day number, its UTC start and end in ms).
    var dayCache: DayCache = (0, 0, 0)
    typealias DayCache = (day: Int64, start: EventTime, end: EventTime)
    /// Places of `state.queryTexts` in UTF-8 byte order, refreshed when texts were added (`ranks(of:)`).
    var textRanks: [Int32] = []

    /// `queries` run beside the four built-ins (at most `maxQueries`). A restored `state` must hold the same
    /// queries (the checkpoint fingerprint guarantees it); a fresh one gets their empty state, and the text
    /// literals of their WHERE clauses interned into `state.queryTexts` in query order.
    public init(config: TripstreamConfig, queries: [RunnableQuery] = [], state: EngineState = EngineState()) {
        precondition(queries.count <= Self.maxQueries, "at most \(Self.maxQueries) SQL queries")
        self.config = config
        let layout = RowLayout(queries: queries.map(\.query))
        var state = state
        let programs = queries.map { QueryProgram($0, layout: layout, texts: &state.queryTexts) }
        if state.queries.isEmpty {
            state.queries = programs.map(QueryState.init)
        } else if !programs.isEmpty {
            precondition(state.queries.count == programs.count && zip(state.queries, programs).allSatisfy { $0.matches($1) },
                         "the engine state holds other SQL queries than the configuration")
        }
        self.layout = layout
        self.programs = programs
        kernels = PinnedBuffer(programs.map(\.kernel))
        self.state = state
    }

    /// Adds one trip to the current epoch for the built-ins only (a job without SQL queries). Returns the
    /// queries for which it was late (older than the watermark for all its windows); the caller dead-letters
    /// it for those.
    public mutating func ingest(_ trip: Trip) -> LateMask {
        let late = ingestBuiltins(trip)
        if !late.isEmpty { countLate(late) }
        return late
    }

    mutating func countLate(_ late: LateMask) {
        state.counters.rowsLate += 1
        for q in QueryName.allCases where late.contains(q) { state.counters.lateByQuery[q] += 1 }
    }

    @inline(__always)
    mutating func ingestBuiltins(_ trip: Trip) -> LateMask {
        let t = trip.eventTime
        let epoch = state.epoch
        if t > state.maxEventTime { state.maxEventTime = t }
        state.counters.rowsProcessed += 1
        var late = LateMask()

        // 1. sum_fare_window (any window shape, usually tumbling)
        if !Self.addToOpenWindows(t, window: config.sumFareWindow.window, watermark: state.watermarks.sumFareWindow,
                                  epoch: epoch, initial: MoneyAggregate(), into: &state.sumFare, { $0.add(trip) }) {
            late.insert(.sumFareWindow)
        }

        // 2. trips_total, per local calendar day
        let (day, _, dayEnd) = localDay(of: t)
        if dayEnd > state.watermarks.tripsTotal {
            let i = state.days.entry(start: day, initial: MoneyAggregate(), epoch: epoch)
            state.days.entries[i].value.add(trip)
        } else {
            late.insert(.tripsTotal)
        }

        // 3. and 4. hotspots: only rows with the group (SQL: count per non-null key)
        if let area = trip.communityArea,
           !Self.addToOpenWindows(t, group: area, window: config.hotspotCommunityWindow.window,
                                  watermark: state.watermarks.hotspotCommunityWindow, epoch: epoch, initial: 0,
                                  into: &state.community, { $0 += 1 }) {
            late.insert(.hotspotCommunityWindow)
        }
        if let loc = trip.pickupLocation,
           !Self.addToOpenWindows(t, group: loc, window: config.hotspotWindow.window,
                                  watermark: state.watermarks.hotspotWindow, epoch: epoch, initial: 0,
                                  into: &state.location, { $0 += 1 }) {
            late.insert(.hotspotWindow)
        }
        return late
    }

    /// Applies `update` to the value of each window holding `t` (every `lastStart - k * slide` while
    /// `start + length > t`) that the watermark has not passed, latest first: once one has ended, all earlier
    /// ones have too. False when none was open: the row is late. Every windowed query assigns rows here.
    @inline(__always)
    static func addToOpenWindows<Value>(
        _ t: EventTime, group: Int32 = 0, window: WindowSpec, watermark: EventTime, epoch: Int64,
        initial: @autoclosure () -> Value, into table: inout WindowTable<Value>, _ update: (inout Value) -> Void
    ) -> Bool {
        var added = false
        var start = window.lastStart(containing: t)
        while start + window.length > t && start + window.length > watermark {
            let i = table.entry(start: start, group: group, initial: initial(), epoch: epoch)
            update(&table.entries[i].value)
            added = true
            start -= window.slide
        }
        return added
    }

    /// Local calendar day of an instant, with the day's UTC bounds (23 or 25 hours long on DST days).
    mutating func localDay(of t: EventTime) -> (Int64, EventTime, EventTime) {
        Self.localDay(of: t, cache: &dayCache, zone: config.timeZone)
    }

    @inline(__always)
    static func localDay(of t: EventTime, cache: inout DayCache, zone: ZoneRules) -> (Int64, EventTime, EventTime) {
        if t >= cache.start && t < cache.end { return cache }
        let day = zone.localDay(ofUTC: floorDiv(t, 1000))
        cache = (day, zone.startOfDay(day) * 1000, zone.startOfDay(day + 1) * 1000)
        return cache
    }

    /// Closes the current epoch: advances watermarks (to +∞ at the end of a finite input, finalizing every
    /// window), evicts final windows and returns the rows each query's output mode emits.
    public mutating func endEpoch(endOfInput: Bool = false) -> EpochOutput {
        var out = EpochOutput(epoch: state.epoch)
        for q in QueryName.allCases {
            let old = state.watermarks[q]
            if endOfInput {
                state.watermarks[q] = .max
            } else if state.maxEventTime != .min {
                state.watermarks[q] = max(old, state.maxEventTime - config[q].watermarkDelay)
            }
        }
        out.watermarks = state.watermarks
        let epoch = state.epoch
        let zone = config.timeZone

        let fare = config.sumFareWindow
        out.sumFare = Self.emit(&state.sumFare, retained: &state.retainedSumFare, mode: fare.mode, epoch: epoch,
                                isFinal: { start, _ in start + fare.window.length <= out.watermarks.sumFareWindow }) {
            SumFareRow(windowStart: $0, windowEnd: $0 + fare.window.length, totals: $2, final: $3)
        }
        let dayWM = out.watermarks.tripsTotal
        out.tripsTotal = Self.emit(&state.days, retained: &state.retainedDays, mode: config.tripsTotal.mode,
                                   epoch: epoch, isFinal: { day, _ in zone.startOfDay(day + 1) * 1000 <= dayWM }) {
            TripsTotalRow(day: $0, totals: $2, final: $3)
        }
        let community = config.hotspotCommunityWindow
        let communityWM = out.watermarks.hotspotCommunityWindow
        out.communityHotspots = Self.emit(&state.community, retained: &state.retainedCommunity, mode: community.mode,
                                          epoch: epoch, isFinal: { s, _ in s + community.window.length <= communityWM }) {
            CommunityHotspotRow(windowStart: $0, windowEnd: $0 + community.window.length, communityArea: $1,
                                count: $2, final: $3)
        }
        let location = config.hotspotWindow
        let locationWM = out.watermarks.hotspotWindow
        state.locations.cacheStrings()
        let names = state.locations.cachedStrings
        out.locationHotspots = Self.emit(&state.location, retained: &state.retainedLocation, mode: location.mode,
                                         epoch: epoch, isFinal: { s, _ in s + location.window.length <= locationWM }) {
            LocationHotspotRow(windowStart: $0, windowEnd: $0 + location.window.length, location: names[Int($1)],
                               count: $2, final: $3, locationID: $1)
        }
        state.counters.emittedByQuery.sumFareWindow += Int64(out.sumFare.count)
        state.counters.emittedByQuery.tripsTotal += Int64(out.tripsTotal.count)
        state.counters.emittedByQuery.hotspotCommunityWindow += Int64(out.communityHotspots.count)
        state.counters.emittedByQuery.hotspotWindow += Int64(out.locationHotspots.count)
        if !programs.isEmpty { out.queries = endQueryEpoch(endOfInput: endOfInput) }
        if endOfInput { state.finished = true }
        state.epoch += 1
        return out
    }

    /// Applies one query's output mode and returns the rows it emits this epoch, sorted by key:
    /// final windows leave the open table (into `retained` in complete mode); update mode adds the windows
    /// touched in this epoch; complete mode adds every open and retained window.
    /// `groupOrder[id]`, when given, is group `id`'s place in the output order (else the id is).
    static func emit<Value, Row>(
        _ open: inout WindowTable<Value>, retained: inout [GroupedWindowKey: Value], mode: OutputMode, epoch: Int64,
        groupOrder: [Int32]? = nil, isFinal: (EventTime, Int32) -> Bool, row: (EventTime, Int32, Value, Bool) -> Row
    ) -> [Row] {
        var picked: [(key: GroupedWindowKey, value: Value, final: Bool)] = []
        // At most every window: one allocation instead of regrowing through the doublings each epoch.
        picked.reserveCapacity(open.count + (mode == .complete ? retained.count : 0))
        if mode == .complete {
            for (key, value) in retained { picked.append((key, value, true)) }
        }
        var finalMask = [Bool](repeating: false, count: open.count)
        for i in 0..<open.count {
            let e = open.entries[i]
            let key = GroupedWindowKey(start: e.start, group: e.group)
            if isFinal(key.start, key.group) {
                finalMask[i] = true
                picked.append((key, e.value, true))
                if mode == .complete { retained[key] = e.value }
            } else if mode == .complete || (mode == .update && e.touched == epoch) {
                picked.append((key, e.value, false))
            }
        }
        if finalMask.contains(true) { open.removeAll { finalMask[$0] } }
        let keys = if let groupOrder {
            picked.map { GroupedWindowKey(start: $0.key.start, group: groupOrder[Int($0.key.group)]) }
        } else {
            picked.map(\.key)
        }
        return KeyOrder.sortedIndices(keys).map { i in
            let p = picked[i]
            return row(p.key.start, p.key.group, p.value, p.final)
        }
    }
}
