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
    /// `TripColumn` indices of the group columns, in GROUP BY order.
    let groupColumns: [Int]
    let slots: [Slot]
    /// Accumulator words per window.
    let stride: Int
    /// Where each output comes from and the kind of its result column (what emission reads per result row).
    let outputSources: [OutputColumn.Source]
    let outputKinds: [ResultColumn.Kind]
    /// The per-row loop's view of all this, pointing into `pins`.
    let kernel: QueryKernel
    private let pins: [any AnyObject & Sendable]

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
        let timeColumn = TripColumn(q.window.timeColumn).rawValue
        self.timeColumn = timeColumn
        let split = q.filter?.presenceSplit ?? (required: 0, rest: nil)
        let filter = split.rest.map { f in
            FilterProgram(f) { column, text in
                if case .literals = layout.textCoding[column] {
                    // Absent from the layout's list means no row can hold it: a code no row has.
                    let code = layout.literalCode(text, of: column) ?? -1
                    return code < 0 ? .min : code
                }
                return Int64(texts.intern(text))
            }
        }
        let groupColumns = q.groupKey.columns.map(\.rawValue)
        self.groupColumns = groupColumns
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
        outputSources = q.outputs.map(\.source)
        outputKinds = Self.kinds(q)
        let pinnedGroups = PinnedBuffer(groupColumns), pinnedSlots = PinnedBuffer(slots.map(Accumulation.init))
        let pinnedInitial = PinnedBuffer(slots.flatMap(\.initialWords))
        precondition(pinnedInitial.buffer.count == offset, "initial words for every accumulator word")
        var pins: [any AnyObject & Sendable] = [pinnedGroups, pinnedSlots, pinnedInitial]
        let filterKernel = filter.map { f in
            let nodes = PinnedBuffer(f.nodes), children = PinnedBuffer(f.children), literals = PinnedBuffer(f.literals)
            pins += [nodes, children, literals] as [any AnyObject & Sendable]
            return FilterKernel(nodes: nodes.buffer, children: children.buffer, literals: literals.buffer)
        }
        self.pins = pins
        kernel = QueryKernel(timeColumn: timeColumn, window: q.window.spec, dayAligned: q.window.dayAligned,
                             filter: filterKernel, groupColumns: pinnedGroups.buffer, accumulations: pinnedSlots.buffer,
                             stride: offset, initialWords: pinnedInitial.buffer, windowsPerRow: Self.windowsPerRow(q),
                             countsRowsOnly: slots.allSatisfy { $0.aggregate.kind == .countRows },
                             requiredColumns: split.required)
    }

    var name: String { query.name }

    /// The most windows one row joins: size ÷ slide rounded up, one day.
    static func windowsPerRow(_ q: AnalyticQuery) -> Int {
        let spec = q.window.spec
        return q.window.dayAligned ? 1 : Int((spec.length + spec.slide - 1) / spec.slide)
    }

    /// The aggregate's result from the window's words as the number of its column (`outputKinds`), nil for
    /// NULL. A sum whose result does not fit Int64 at its scale is NULL (the stream cannot stop; no portal
    /// column comes near it).
    /// `words` are the window's.
    func resultNumber(_ s: Slot, _ words: UnsafePointer<Int64>) -> Int64? {
        let o = s.offset
        let a = s.aggregate
        let scale = if case .decimal(let scale)? = a.column?.type { scale } else { 0 }
        switch a.kind {
        case .countRows, .count:
            return words[o]
        case .sum, .avg:
            let count = words[o + 2]
            guard count > 0 else { return nil }
            let sum = Int128(words[o + 1]) << 64 | Int128(UInt64(bitPattern: words[o]))
            if a.kind == .avg {
                guard let digits = a.roundTo else {
                    let average = Double(sum) / Double(count) / Double(FixedPoint.powersOf10[scale])
                    return Int64(bitPattern: average.bitPattern)
                }
                return FixedPoint.average(sum: sum, count: count, scale: scale, target: digits)
            }
            return Int64(exactly: FixedPoint.rescale(sum, from: scale, to: min(scale, a.roundTo ?? scale)))
        case .min, .max:
            return words[o + 1] > 0 ? words[o] : nil
        }
    }

    /// The column kind of each output, as `resultNumber` and the group values fill it.
    static func kinds(_ q: AnalyticQuery) -> [ResultColumn.Kind] {
        q.outputs.map { output in
            switch output.source {
            case .windowStart, .windowEnd: .timestamp
            case .day: .date
            case .group(let j): kind(of: q.groupKey.columns[j].type)
            case .aggregate(let k): kind(of: q.aggregates[k])
            }
        }
    }

    /// A column value's kind (text: an index into the engine's strings).
    static func kind(of type: ValueType) -> ResultColumn.Kind {
        switch type {
        case .text: .text
        case .decimal(let scale): .decimal(scale: scale)
        case .timestamp: .timestamp
        case .date: .date
        case .integer, .double: .integer
        }
    }

    /// An aggregate's kind: COUNT an integer; AVG a double, or a decimal at its rounding; SUM the column's, at
    /// most at the rounding's scale; MIN and MAX the column's.
    static func kind(of a: Aggregate) -> ResultColumn.Kind {
        let type = a.column?.type ?? .integer
        let scale = if case .decimal(let scale) = type { scale } else { 0 }
        switch a.kind {
        case .countRows, .count: return .integer
        case .avg: return a.roundTo.map { .decimal(scale: $0) } ?? .double
        case .sum: return type == .integer ? .integer : .decimal(scale: min(scale, a.roundTo ?? scale))
        case .min, .max: return kind(of: type)
        }
    }
}
