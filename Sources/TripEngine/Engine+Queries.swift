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
        var late: UInt64 = 0
        for q in 0..<programs.count {
            let p = programs[q]
            guard row.present & (1 << UInt64(p.timeColumn)) != 0 else { continue }
            let t = row.values[p.timeColumn]
            if t > state.queries[q].maxTime { state.queries[q].maxTime = t }
            if let filter = p.filter, !filter.accepts(row) { continue }
            let added: Bool
            if p.query.window.dayAligned {
                let (day, _, dayEnd) = localDay(of: t)
                added = dayEnd > state.queries[q].watermark
                if added {
                    let group = state.queries[q].groups.id(of: row, columns: p.groupColumns)
                    state.queries[q].add(row, start: day, group: group, epoch: epoch, p)
                }
            } else {
                added = state.queries[q].addToOpenWindows(row, t, epoch: epoch, p)
            }
            if !added {
                late |= 1 << UInt64(q)
                state.queries[q].lateRows += 1
            }
        }
        return late
    }

    /// The SQL queries' part of `endEpoch`: each advances its watermark and emits per its mode.
    mutating func endQueryEpoch(endOfInput: Bool) -> [QueryResults] {
        state.queryTexts.cacheStrings()
        let texts = state.queryTexts.cachedStrings
        let zone = config.timeZone
        return programs.indices.map { q in
            let p = programs[q]
            state.queries[q].advanceWatermark(p, endOfInput: endOfInput)
            let rows = state.queries[q].emit(p, epoch: state.epoch, zone: zone, texts: texts)
            return QueryResults(name: p.name, rows: rows, watermark: state.queries[q].watermark,
                                rowsLate: state.queries[q].lateRows, rowsEmitted: state.queries[q].emittedRows)
        }
    }
}

extension Engine {
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
