import TripCore

/// The four queries as one deterministic state machine, driven epoch by epoch:
/// `ingest` each trip of the epoch, then `endEpoch` advances the watermarks, finalizes windows and returns
/// the result changes. Given the same state and the same epoch rows it always returns the same output.
///
/// Watermark semantics follow Spark Structured Streaming: within an epoch, rows are judged against the
/// watermark as of the epoch's start; at the epoch's end each query's watermark becomes
/// max(previous, max event time − delay), and windows whose end ≤ watermark are final.
public struct Engine: Sendable {
    public let config: TripstreamConfig
    public var state: EngineState
    /// Cache of the local day holding the last event (day number, its UTC start and end in ms).
    var dayCache: (day: Int64, start: EventTime, end: EventTime) = (0, 0, 0)

    public init(config: TripstreamConfig, state: EngineState = EngineState()) {
        self.config = config
        self.state = state
    }

    /// Adds one trip to the current epoch. Returns the queries for which it was late (older than the
    /// watermark for all its windows); the caller dead-letters it for those.
    public mutating func ingest(_ trip: Trip) -> LateMask {
        let t = trip.eventTime
        let epoch = state.epoch
        if t > state.maxEventTime { state.maxEventTime = t }
        state.counters.rowsProcessed += 1
        var late = LateMask()

        // 1. sum_fare_window
        let fareWM = state.watermarks[.sumFareWindow]!
        var added = false
        config.sumFareWindow.window.forEachStart(containing: t) { start in
            guard start + config.sumFareWindow.window.length > fareWM else { return }
            state.sumFare[start, default: Slot(value: MoneyAggregate(), touched: epoch)].value.add(trip)
            state.sumFare[start]!.touched = epoch
            added = true
        }
        if !added { late.insert(.sumFareWindow) }

        // 2. trips_total, per local calendar day
        let (day, _, dayEnd) = localDay(of: t)
        if dayEnd > state.watermarks[.tripsTotal]! {
            state.days[day, default: Slot(value: MoneyAggregate(), touched: epoch)].value.add(trip)
            state.days[day]!.touched = epoch
        } else {
            late.insert(.tripsTotal)
        }

        // 3. and 4. hotspots: only rows with the group (SQL: count per non-null key)
        if let area = trip.communityArea {
            if !Self.count(t, group: area, settings: config.hotspotCommunityWindow,
                           watermark: state.watermarks[.hotspotCommunityWindow]!, epoch: epoch, into: &state.community) {
                late.insert(.hotspotCommunityWindow)
            }
        }
        if let loc = trip.pickupLocation {
            if !Self.count(t, group: loc, settings: config.hotspotWindow,
                           watermark: state.watermarks[.hotspotWindow]!, epoch: epoch, into: &state.location) {
                late.insert(.hotspotWindow)
            }
        }
        if !late.isEmpty {
            state.counters.rowsLate += 1
            for q in QueryName.allCases where late.contains(q) { state.counters.lateByQuery[q]! += 1 }
        }
        return late
    }

    static func count(_ t: EventTime, group: Int32, settings: QuerySettings, watermark: EventTime, epoch: Int64,
                      into map: inout [GroupedWindowKey: Slot<Int64>]) -> Bool {
        var added = false
        settings.window.forEachStart(containing: t) { start in
            guard start + settings.window.length > watermark else { return }
            let key = GroupedWindowKey(start: start, group: group)
            map[key, default: Slot(value: 0, touched: epoch)].value += 1
            map[key]!.touched = epoch
            added = true
        }
        return added
    }

    /// Local calendar day of an instant, with the day's UTC bounds (23 or 25 hours long on DST days).
    mutating func localDay(of t: EventTime) -> (Int64, EventTime, EventTime) {
        if t >= dayCache.start && t < dayCache.end { return dayCache }
        let zone = config.timeZone
        let day = zone.localDay(ofUTC: floorDiv(t, 1000))
        dayCache = (day, zone.startOfDay(day) * 1000, zone.startOfDay(day + 1) * 1000)
        return dayCache
    }

    /// Closes the current epoch: advances watermarks (to +∞ at the end of a finite input, finalizing every
    /// window), evicts final windows and returns the rows each query's output mode emits.
    public mutating func endEpoch(endOfInput: Bool = false) -> EpochOutput {
        var out = EpochOutput(epoch: state.epoch)
        for q in QueryName.allCases {
            let old = state.watermarks[q]!
            let delay = config[q].watermarkDelay
            var wm = old
            if endOfInput {
                wm = .max
            } else if state.maxEventTime != .min {
                wm = max(old, state.maxEventTime - delay)
            }
            state.watermarks[q] = wm
            out.watermarks[q] = wm
        }
        let epoch = state.epoch
        let zone = config.timeZone

        // 1. sum_fare_window
        do {
            let s = config.sumFareWindow
            let length = s.window.length
            out.sumFare = Self.emit(open: &state.sumFare, retained: &state.retainedSumFare, mode: s.mode,
                                    epoch: epoch, isFinal: { $0 + length <= out.watermarks[.sumFareWindow]! }) {
                SumFareRow(windowStart: $0, windowEnd: $0 + length, totals: $1, final: $2)
            }.sorted { $0.windowStart < $1.windowStart }
        }
        // 2. trips_total
        do {
            let wm = out.watermarks[.tripsTotal]!
            out.tripsTotal = Self.emit(open: &state.days, retained: &state.retainedDays, mode: config.tripsTotal.mode,
                                       epoch: epoch, isFinal: { zone.startOfDay($0 + 1) * 1000 <= wm }) {
                TripsTotalRow(day: $0, totals: $1, final: $2)
            }.sorted { $0.day < $1.day }
        }
        // 3. hotspot_community_window
        do {
            let s = config.hotspotCommunityWindow
            let wm = out.watermarks[.hotspotCommunityWindow]!
            out.communityHotspots = Self.emit(open: &state.community, retained: &state.retainedCommunity, mode: s.mode,
                                              epoch: epoch, isFinal: { $0.start + s.window.length <= wm }) {
                CommunityHotspotRow(windowStart: $0.start, windowEnd: $0.start + s.window.length,
                                    communityArea: $0.group, count: $1, final: $2)
            }.sorted { ($0.windowStart, $0.communityArea) < ($1.windowStart, $1.communityArea) }
        }
        // 4. hotspot_window
        do {
            let s = config.hotspotWindow
            let wm = out.watermarks[.hotspotWindow]!
            let names = state.locations
            out.locationHotspots = Self.emit(open: &state.location, retained: &state.retainedLocation, mode: s.mode,
                                             epoch: epoch, isFinal: { $0.start + s.window.length <= wm }) {
                LocationHotspotRow(windowStart: $0.start, windowEnd: $0.start + s.window.length,
                                   location: names.string($0.group), count: $1, final: $2)
            }.sorted { ($0.windowStart, $0.location) < ($1.windowStart, $1.location) }
        }
        state.counters.emittedByQuery[.sumFareWindow]! += Int64(out.sumFare.count)
        state.counters.emittedByQuery[.tripsTotal]! += Int64(out.tripsTotal.count)
        state.counters.emittedByQuery[.hotspotCommunityWindow]! += Int64(out.communityHotspots.count)
        state.counters.emittedByQuery[.hotspotWindow]! += Int64(out.locationHotspots.count)
        if endOfInput { state.finished = true }
        state.epoch += 1
        return out
    }

    /// Applies one query's output mode: final windows leave the open map (into `retained` in complete
    /// mode); the rows returned are those the mode emits this epoch.
    static func emit<Key: Hashable, Value: Equatable & Sendable, Row>(
        open: inout [Key: Slot<Value>], retained: inout [Key: Value], mode: OutputMode, epoch: Int64,
        isFinal: (Key) -> Bool, row: (Key, Value, Bool) -> Row
    ) -> [Row] {
        var rows: [Row] = []
        var finals: [Key] = []
        for (key, slot) in open {
            if isFinal(key) {
                finals.append(key)
                rows.append(row(key, slot.value, true))
            } else if mode == .complete || (mode == .update && slot.touched == epoch) {
                rows.append(row(key, slot.value, false))
            }
        }
        for key in finals {
            let value = open.removeValue(forKey: key)!.value
            if mode == .complete { retained[key] = value }
        }
        if mode == .complete {
            // Previously final windows are part of the complete result too (just moved ones are already in).
            let moved = Set(finals)
            for (key, value) in retained where !moved.contains(key) { rows.append(row(key, value, true)) }
        }
        return rows
    }
}
