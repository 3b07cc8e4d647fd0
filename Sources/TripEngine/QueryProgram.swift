import TripCore

/// One SQL query compiled for the per-row loop: the filter as a flat program, the time and group columns as
/// row indices, and each aggregate as an operation on a few Int64 words of its window's accumulator (a row of
/// `QueryState`'s slab). Built once when the engine starts; nothing here allocates per row. A class: the
/// per-row loop takes one reference per query instead of copying (and retaining) every array of the query.
final class QueryProgram: Sendable {
    let query: AnalyticQuery
    let watermarkDelay: EventTime
    let mode: OutputMode
    /// `TripColumn` index of the window's time column.
    let timeColumn: Int
    let filter: FilterProgram?
    /// `TripColumn` indices of the group columns, in GROUP BY order.
    let groupColumns: [Int]
    let slots: [Slot]
    /// Accumulator words per window.
    let stride: Int

    /// Where one aggregate keeps its running value in a window's words:
    /// COUNT(*) and COUNT(col): [count]; SUM and AVG: [sum low 64 bits, sum high 64 bits, non-NULL count]
    /// (a 128-bit sum: exact for any 2^63 Int64 values); MIN and MAX: [value, non-NULL count].
    struct Slot: Sendable {
        let aggregate: Aggregate
        let column: Int
        let offset: Int
    }

    /// Text literals of `.interned` columns are interned into `texts` (the engine state's), in filter order,
    /// so a fresh and a restored state give them the same ids.
    init(_ runnable: RunnableQuery, layout: RowLayout, texts: inout StringInterner) {
        let q = runnable.query
        query = q
        watermarkDelay = runnable.watermarkDelay
        mode = runnable.mode
        timeColumn = TripColumn(q.window.timeColumn).rawValue
        filter = q.filter.map { f in
            FilterProgram(f) { column, text in
                if case .literals = layout.textCoding[column] {
                    // Absent from the layout's list means no row can hold it: a code no row has.
                    let code = layout.literalCode(text, of: column) ?? -1
                    return code < 0 ? .min : code
                }
                return Int64(texts.intern(text))
            }
        }
        groupColumns = q.groupKey.columns.map(\.rawValue)
        var slots: [Slot] = []
        var offset = 0
        for a in q.aggregates {
            slots.append(Slot(aggregate: a, column: a.column?.rawValue ?? 0, offset: offset))
            switch a.kind {
            case .countRows, .count: offset += 1
            case .sum, .avg: offset += 3
            case .min, .max: offset += 2
            }
        }
        self.slots = slots
        stride = offset
    }

    var name: String { query.name }

    /// A new window's words: counts and sums 0, MIN at +∞, MAX at −∞.
    func initialize(_ words: inout [Int64], at base: Int) {
        for s in slots {
            switch s.aggregate.kind {
            case .countRows, .count: words[base + s.offset] = 0
            case .sum, .avg: for k in 0..<3 { words[base + s.offset + k] = 0 }
            case .min: words[base + s.offset] = .max; words[base + s.offset + 1] = 0
            case .max: words[base + s.offset] = .min; words[base + s.offset + 1] = 0
            }
        }
    }

    /// Adds the row to the window whose words start at `base`; NULL values are skipped.
    @inline(__always)
    func accumulate(_ row: borrowing QueryRow, into words: inout [Int64], at base: Int) {
        for s in slots {
            let o = base + s.offset
            if s.aggregate.kind == .countRows { words[o] += 1; continue }
            guard row.present & (1 << UInt64(s.column)) != 0 else { continue }
            let v = row.values[s.column]
            switch s.aggregate.kind {
            case .countRows, .count: words[o] += 1
            case .sum, .avg:
                // Two's-complement 128-bit add: the low word with carry, the high word gets v's sign and it.
                let (low, carry) = UInt64(bitPattern: words[o]).addingReportingOverflow(UInt64(bitPattern: v))
                words[o] = Int64(bitPattern: low)
                words[o + 1] = words[o + 1] &+ (v >> 63) &+ (carry ? 1 : 0)
                words[o + 2] += 1
            case .min: if v < words[o] { words[o] = v }; words[o + 1] += 1
            case .max: if v > words[o] { words[o] = v }; words[o + 1] += 1
            }
        }
    }

    /// The aggregate's result from the window's words, typed as `Aggregate.type` says. A sum whose result does
    /// not fit Int64 at its scale is NULL (the stream cannot stop; no portal column comes near it).
    func result(_ s: Slot, _ words: ArraySlice<Int64>) -> ResultValue {
        let o = words.startIndex + s.offset
        let a = s.aggregate
        let type = a.column?.type ?? .integer
        let scale = if case .decimal(let scale) = type { scale } else { 0 }
        switch a.kind {
        case .countRows, .count:
            return .integer(words[o])
        case .sum, .avg:
            let count = words[o + 2]
            guard count > 0 else { return .null }
            let sum = Int128(words[o + 1]) << 64 | Int128(UInt64(bitPattern: words[o]))
            if a.kind == .avg {
                guard let digits = a.roundTo else {
                    return .double(Double(sum) / Double(count) / Double(FixedPoint.powersOf10[scale]))
                }
                return FixedPoint.average(sum: sum, count: count, scale: scale, target: digits)
                    .map { .decimal($0, scale: digits) } ?? .null
            }
            let target = min(scale, a.roundTo ?? scale)
            guard let v = Int64(exactly: FixedPoint.rescale(sum, from: scale, to: target)) else { return .null }
            return Self.value(v, type == .integer ? .integer : .decimal(scale: target))
        case .min, .max:
            return words[o + 1] > 0 ? Self.value(words[o], type) : .null
        }
    }

    /// A fixed-point column value as a result value (text is resolved by the caller).
    static func value(_ v: Int64, _ type: ValueType) -> ResultValue {
        switch type {
        case .decimal(let scale): .decimal(v, scale: scale)
        case .timestamp: .timestamp(v)
        case .date: .date(v)
        case .integer, .text, .double: .integer(v)
        }
    }
}
