import TripCore

extension Engine {
    /// The most SQL queries beside the built-ins: the per-row loop marks a row late with a bit per query in one
    /// 64-bit word, the built-ins' (up to four) first. The configuration loader refuses more.
    public static let maxQueries = 64 - QueryName.allCases.count

    /// Adds one record's row to the current epoch, to each query in turn. Returns the queries for which it was
    /// late; the caller dead-letters it for those. The row counts once in `rowsLate` whichever queries judged it
    /// late.
    public mutating func ingest(_ row: borrowing QueryRow) -> LateMask {
        state.counters.rowsProcessed += 1
        let late = LateMask(bits: ingestQueries(row))
        if !late.isEmpty { state.counters.rowsLate += 1 }
        return late
    }

    /// Each query in turn: its time column sets its max time; a row WHERE does not keep, or whose time is
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

    /// Each text's place among `texts` in UTF-8 byte order (texts are distinct, so places are too).
    static func ranks(of texts: [String]) -> [Int32] {
        let order = texts.indices.sorted { texts[$0].utf8.lexicographicallyPrecedes(texts[$1].utf8) }
        var ranks = [Int32](repeating: 0, count: texts.count)
        for (place, id) in order.enumerated() { ranks[id] = Int32(place) }
        return ranks
    }

    /// The place of built-in `q` among the queries, nil when it is disabled.
    public func index(of q: QueryName) -> Int? { programs.prefix(builtinCount).firstIndex { $0.name == q.rawValue } }

    /// Whether `late` (an `ingest`'s) holds built-in `q`.
    public func isLate(_ late: LateMask, for q: QueryName) -> Bool { index(of: q).map(late.contains(query:)) ?? false }

    /// The queries, in the engine's order (what the mirror and the result topics are made for).
    public var queries: [AnalyticQuery] { programs.map(\.query) }

    /// The dead letter of `row`, late for the query at `index`: its time column's value and that query's
    /// watermark. A built-in's names it as the built-in (`DeadLetter.query`), a SQL query's as `userQuery`.
    public func lateDeadLetter(query index: Int, row: borrowing QueryRow, offset: Int64,
                               raw: (text: String, bytes: [UInt8]?), source: String?) -> DeadLetter {
        let p = programs[index]
        let t = row.values[p.timeColumn], watermark = state.queries[index].watermark
        if let builtin = QueryName(rawValue: p.name) {
            return .late(builtin, eventTime: t, watermark: watermark, offset: offset, raw: raw, source: source)
        }
        return .late(userQuery: p.name, eventTime: t, watermark: watermark, offset: offset, raw: raw, source: source)
    }
}
