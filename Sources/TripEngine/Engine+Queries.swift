import TripCore

extension Engine {
    /// A `LateMask` has 64 bits for SQL queries; the configuration loader refuses more.
    public static let maxQueries = 64

    /// Adds one record to the current epoch: the trip to the built-ins exactly as `ingest(_:)` does, then the
    /// row to each SQL query. Returns the built-ins and SQL queries for which it was late; the caller
    /// dead-letters it for those. The trip counts once in `rowsLate` whichever queries judged it late.
    public mutating func ingest(_ trip: Trip, row: borrowing QueryRow) -> LateMask {
        var late = ingestBuiltins(trip)
        if !programs.isEmpty { late.queryBits = ingestQueries(row) }
        if !late.isEmpty { countLate(late) }
        return late
    }

    /// Each SQL query in turn: its time column sets its max time; a row WHERE does not keep, or whose time is
    /// NULL, is in none of its windows (neither counted nor late); otherwise it joins every open window holding
    /// its time, or is late when the watermark has passed them all. Returns the late queries' bits.
    @inline(__always)
    mutating func ingestQueries(_ row: borrowing QueryRow) -> UInt64 {
        let epoch = state.epoch
        let present = row.present
        return row.values.withUnsafeBufferPointer { values in
            Self.ingest(present, values, kernels: kernels.buffer, into: &state.queries, epoch: epoch,
                        dayCache: &dayCache, zone: config.timeZone)
        }
    }

    /// The loop of `ingestQueries` over the kernels, with the state's parts it touches passed in (so that the
    /// queries' array is made unique once per row, not at every access).
    @inline(__always)
    static func ingest(_ present: UInt64, _ values: UnsafeBufferPointer<Int64>,
                       kernels: UnsafeBufferPointer<QueryKernel>,
                       into queries: inout [QueryState], epoch: Int64, dayCache: inout DayCache,
                       zone: ZoneRules) -> UInt64 {
        var late: UInt64 = 0
        queries.withUnsafeMutableBufferPointer { qs in
            for q in 0..<kernels.count {
                let k = kernels.baseAddress! + q
                let timeColumn = k.pointee.timeColumn, required = k.pointee.requiredColumns
                guard present & (1 << UInt64(timeColumn)) != 0 else { continue }
                let t = values[timeColumn]
                if t > qs[q].maxTime { qs[q].maxTime = t }
                if present & required != required { continue }
                if let filter = k.pointee.filter, !filter.accepts(present, values) { continue }
                let added: Bool
                if k.pointee.dayAligned {
                    let (day, _, dayEnd) = localDay(of: t, cache: &dayCache, zone: zone)
                    added = qs[q].addToDay(present, values, day: day, dayEnd: dayEnd, epoch: epoch, k)
                } else {
                    added = qs[q].addToOpenWindows(present, values, t, epoch: epoch, k)
                }
                if !added {
                    late |= 1 << UInt64(q)
                    qs[q].lateRows += 1
                }
            }
        }
        return late
    }

    /// The SQL queries' part of `endEpoch`: each advances its watermark and emits per its mode.
    mutating func endQueryEpoch(endOfInput: Bool) -> [QueryResults] {
        state.queryTexts.cacheStrings()
        let texts = state.queryTexts.cachedStrings
        if textRanks.count != texts.count { textRanks = Self.ranks(of: texts) }
        let ranks = textRanks
        let zone = config.timeZone
        return programs.indices.map { q in
            let p = programs[q]
            state.queries[q].advanceWatermark(p, endOfInput: endOfInput)
            return state.queries[q].emit(p, epoch: state.epoch, zone: zone, texts: texts, textRanks: ranks)
        }
    }
}

extension Engine {
    /// Each text's place among `texts` in UTF-8 byte order (texts are distinct, so places are too).
    static func ranks(of texts: [String]) -> [Int32] {
        let order = texts.indices.sorted { texts[$0].utf8.lexicographicallyPrecedes(texts[$1].utf8) }
        var ranks = [Int32](repeating: 0, count: texts.count)
        for (place, id) in order.enumerated() { ranks[id] = Int32(place) }
        return ranks
    }

    /// How many SQL queries run (`LateMask.queryBits` has a bit for each).
    public var sqlQueryCount: Int { programs.count }

    /// The dead letter of `row`, late for SQL query `index`: its time column's value and that query's watermark.
    public func lateDeadLetter(sqlQuery index: Int, row: borrowing QueryRow, offset: Int64,
                               raw: (text: String, bytes: [UInt8]?), source: String?) -> DeadLetter {
        let p = programs[index]
        return .late(userQuery: p.name, eventTime: row.values[p.timeColumn], watermark: state.queries[index].watermark,
                     offset: offset, raw: raw, source: source)
    }
}
