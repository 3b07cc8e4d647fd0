import TripCore

/// The hand-wired built-ins' state (`LegacyBuiltinState`: their window tables, retained windows, watermarks and
/// counters, from a format-1 checkpoint) as the states of the four built-in queries compiled from their SQL, so
/// that a checkpoint written by a build that ran them hand-wired resumes instead of being refused. Windows keep their starts (a day is the local day number, as both keep it);
/// a hotspot's community area or location becomes a group tuple (a location through `texts`, the interner the
/// SQL queries' text columns use); a `MoneyAggregate` fills each aggregate's words from the column it sums.
public struct BuiltinStateConversion: Error, CustomStringConvertible {
    public let description: String

    /// The four built-ins' states from `state`, for `programs` (the built-ins' compiled SQL, in `QueryName` order).
    /// Throws when a program is not a shape the hand-wired built-ins computed (another aggregate or group).
    static func queryStates(of state: LegacyBuiltinState, programs: [QueryProgram],
                            texts: inout StringInterner) throws -> [QueryState] {
        guard programs.count == QueryName.allCases.count else {
            throw BuiltinStateConversion(
                description: "expected the \(QueryName.allCases.count) built-in queries, got \(programs.count)")
        }
        var out: [QueryState] = []
        for (query, program) in zip(QueryName.allCases, programs) {
            var q = QueryState(program)
            q.watermark = state.watermarks[query]
            q.maxTime = state.maxEventTime
            q.lateRows = state.lateByQuery[query]
            q.emittedRows = state.emittedByQuery[query]
            switch query {
            case .sumFareWindow:
                try q.convert(state.sumFare, retained: state.retainedSumFare, program) { _ in nil } words: {
                    try $0.words(program)
                }
            case .tripsTotal:
                try q.convert(state.days, retained: state.retainedDays, program) { _ in nil } words: {
                    try $0.words(program)
                }
            case .hotspotCommunityWindow:
                try q.convert(state.community, retained: state.retainedCommunity, program) { Int64($0) } words: {
                    try program.countWords($0)
                }
            case .hotspotWindow:
                let names = state.locations.strings
                try q.convert(state.location, retained: state.retainedLocation, program) { id in
                    Int64(texts.intern(names[Int(id)]))
                } words: { count in try program.countWords(count) }
            }
            out.append(q)
        }
        return out
    }
}

extension QueryState {
    /// Adds `open` and `retained` (keyed by start and the built-in's group: none, a community area, a location id)
    /// with their words; `groupValue` turns a built-in group into the value of the program's one group column
    /// (nil: the program groups by nothing).
    mutating func convert<V>(_ open: WindowTable<V>, retained kept: [GroupedWindowKey: V], _ program: QueryProgram,
                             groupValue: (Int32) throws -> Int64?, words: (V) throws -> [Int64]) throws {
        var values = [Int64](repeating: 0, count: QueryRow.width)
        func group(_ builtin: Int32) throws -> Int32 {
            guard let v = try groupValue(builtin) else {
                guard program.groupColumns.isEmpty else {
                    throw BuiltinStateConversion.notBuiltin(program, "it has group columns")
                }
                return 0
            }
            guard program.groupColumns.count == 1 else {
                throw BuiltinStateConversion.notBuiltin(program, "it has not one group column")
            }
            let column = program.groupColumns[0]
            values[column] = v
            return values.withUnsafeBufferPointer { row in
                program.groupColumns.withUnsafeBufferPointer { groups.id(1 << UInt64(column), row, columns: $0) }
            }
        }
        let stride = stride  // read before the slabs are lent to `add`
        func add(_ start: EventTime, _ builtinGroup: Int32, _ v: V, to slab: inout WindowSlab) throws {
            let w = try words(v)
            guard w.count == stride else {
                throw BuiltinStateConversion.notBuiltin(program, "its accumulators take \(stride) words, not \(w.count)")
            }
            let g = try group(builtinGroup)
            _ = w.withUnsafeBufferPointer { slab.insert(start: start, group: g, words: $0) }
        }
        for e in open.entries { try add(e.start, e.group, e.value, to: &windows) }
        for (key, value) in kept { try add(key.start, key.group, value, to: &retained) }
    }
}

extension BuiltinStateConversion {
    /// The refusal of a program the hand-wired built-ins did not compute.
    static func notBuiltin(_ program: QueryProgram, _ why: String) -> BuiltinStateConversion {
        BuiltinStateConversion(description: "the query \(program.name) is not the built-in's shape: \(why)")
    }
}

extension QueryProgram {
    /// A hotspot's count as the words of a program whose only aggregate is COUNT(*).
    func countWords(_ count: Int64) throws -> [Int64] {
        guard slots.count == 1, slots[0].aggregate.kind == .countRows else {
            throw BuiltinStateConversion.notBuiltin(self, "its aggregate is not COUNT(*) alone")
        }
        return [count]
    }
}

extension MoneyAggregate {
    /// The words of `program`'s aggregates: COUNT(*) the trips; SUM and AVG of fare, tips or trip_total the sum
    /// (a 128-bit pair) and count of that column.
    func words(_ program: QueryProgram) throws -> [Int64] {
        var out: [Int64] = []
        for s in program.slots {
            switch (s.aggregate.kind, s.aggregate.column) {
            case (.countRows, _): out.append(trips)
            case (.sum, .fare?), (.avg, .fare?): out += [fareSum, fareSum >> 63, fareCount]
            case (.sum, .tips?), (.avg, .tips?): out += [tipsSum, tipsSum >> 63, tipsCount]
            case (.sum, .tripTotal?), (.avg, .tripTotal?): out += [totalSum, totalSum >> 63, totalCount]
            default:
                let name = "\(s.aggregate.kind)(\(s.aggregate.column?.name ?? "*"))"
                throw BuiltinStateConversion.notBuiltin(program, "\(name) is not a built-in aggregate")
            }
        }
        return out
    }
}
