import TripCore

extension QueryState {
    /// Advances the watermark as a built-in's: max(previous, max time − delay), or +∞ at the end of input.
    mutating func advanceWatermark(_ p: QueryProgram, endOfInput: Bool) {
        if endOfInput {
            watermark = .max
        } else if maxTime != .min {
            watermark = max(watermark, maxTime - p.watermarkDelay)
        }
    }

    /// The rows the query's output mode emits this epoch, as the built-ins' `Engine.emit` picks them: every final
    /// window (the watermark passed its end), and the open ones its mode shows (update: touched this epoch;
    /// complete: all, and the final ones it keeps). Sorted by window start, then group values (NULL first,
    /// numbers numerically, text by UTF-8 bytes: the order is the values', not the ids' first-seen order, so
    /// every input order that gives the same windows gives the same sequence). Final windows leave the open
    /// ones (complete mode keeps them in `retained`). `texts` are `queryTexts.cachedStrings`, `textRanks`
    /// their places in UTF-8 byte order (`Engine.textRanks`).
    mutating func emit(_ p: QueryProgram, epoch: Int64, zone: ZoneRules, texts: [String],
                       textRanks: [Int32]) -> QueryResults {
        let wm = watermark
        let length = p.query.window.spec.length
        let day = p.query.window.dayAligned
        let mode = p.mode
        if groups.arity > 0 { refreshGroupOrder(p, textRanks: textRanks) }
        let order: [Int32]? = groups.arity > 0 ? groupOrder : nil
        let openCount = windows.count, stride = stride
        let (refs, isFinal, anyFinal) = pick(mode: mode, epoch: epoch) { start in
            day ? zone.startOfDay(start + 1) * 1000 <= wm : start + length <= wm
        }
        // Plain pointers into both slabs (nothing moves before the columns are read): no retain or check per row.
        let openStarts = windows.storage.starts, openGroups = windows.storage.groups
        let openWords = windows.storage.words
        let keptStarts = retained.storage.starts, keptGroups = retained.storage.groups
        let keptWords = retained.storage.words
        func groupID(_ r: Int32) -> Int32 { r < 0 ? keptGroups[Int(-1 - r)] : openGroups[Int(r)] }
        func words(_ r: Int32) -> UnsafePointer<Int64> {
            UnsafePointer(r < 0 ? keptWords + Int(-1 - r) * stride : openWords + Int(r) * stride)
        }
        func start(_ r: Int32) -> EventTime { r < 0 ? keptStarts[Int(-1 - r)] : openStarts[Int(r)] }
        let keys = if let order {
            refs.map { GroupedWindowKey(start: start($0), group: order[Int(groupID($0))]) }
        } else {
            refs.map { GroupedWindowKey(start: start($0), group: groupID($0)) }
        }
        let picked = KeyOrder.sortedIndices(keys, grid: day ? 1 : p.query.window.spec.slide)
        // Window bounds, computed once: the bound columns and `windowStarts`/`windowEnds` share these arrays.
        // The windows' key starts in output order: a day number for a day query, else the start itself.
        let keyStarts = picked.map { keys[$0].start }
        let starts: [EventTime], ends: [EventTime]
        if day {
            starts = keyStarts.map { zone.startOfDay($0) * 1000 }
            ends = keyStarts.map { zone.startOfDay($0 + 1) * 1000 }
        } else {
            starts = keyStarts
            ends = starts.map { $0 + length }
        }
        let allPresent = [Bool](repeating: true, count: picked.count)
        // Column by column: each value is one store of a number (and its NULL flag), no `ResultValue` per value.
        let columns = zip(p.outputSources, p.outputKinds).map { source, kind -> ResultColumn in
            var present = allPresent  // copied only if a value is NULL
            let numbers: [Int64]
            switch source {
            case .windowStart: numbers = starts
            case .windowEnd: numbers = ends
            case .day: numbers = keyStarts
            case .group(let j):
                // A tuple's words: its presence bits, then its values (`GroupKeys`), read through one pointer.
                let tuple = groups.arity + 1, bit = Int64(1) << Int64(j)
                numbers = groups.words.withUnsafeBufferPointer { words in
                    picked.indices.map { r in
                        let base = Int(groupID(refs[picked[r]])) * tuple
                        guard words[base] & bit != 0 else { present[r] = false; return 0 }
                        return words[base + 1 + j]
                    }
                }
            case .aggregate(let k) where p.slots[k].aggregate.kind == .countRows || p.slots[k].aggregate.kind == .count:
                // A count is its slot's one word and never NULL.
                let offset = p.slots[k].offset
                numbers = picked.map { words(refs[$0])[offset] }
            case .aggregate(let k):
                let slot = p.slots[k]
                numbers = picked.indices.map { r in
                    guard let v = p.resultNumber(slot, words(refs[picked[r]])) else { present[r] = false; return 0 }
                    return v
                }
            }
            return ResultColumn(kind: kind, numbers: numbers, present: present, texts: kind == .text ? texts : [])
        }
        var out = QueryResults(name: p.name, columns: columns, watermark: watermark, rowsLate: lateRows,
                               rowsEmitted: emittedRows + Int64(picked.count))
        out.windowStarts = starts
        out.windowEnds = ends
        out.finals = picked.map { refs[$0] < 0 || isFinal[Int(refs[$0])] }
        // The words were read in place: only now may the windows move.
        if anyFinal {
            if mode == .complete {
                for i in 0..<openCount where isFinal[i] {
                    _ = retained.insert(start: windows.start(i), group: windows.group(i), words: windows.words(i))
                }
            }
            windows.removeAll { isFinal[$0] }
        }
        emittedRows = out.rowsEmitted
        return out
    }

    /// The windows `emit` shows, as references: a kept window as −1 − its index in `retained` (complete mode
    /// shows them all), then the open ones by index: the final ones (`isFinal(start)`) and those the mode
    /// shows (update: touched in `epoch`; complete: all). Also which open windows are final, and whether any.
    @inline(__always)
    func pick(mode: OutputMode, epoch: Int64,
              isFinal: (EventTime) -> Bool) -> (refs: [Int32], isFinal: [Bool], anyFinal: Bool) {
        let keptCount = mode == .complete ? retained.count : 0, openCount = windows.count
        let starts = windows.storage.starts, touched = windows.storage.touched
        var anyFinal = false
        var finals = [Bool](repeating: false, count: openCount)
        let refs = finals.withUnsafeMutableBufferPointer { finals in
            [Int32](unsafeUninitializedCapacity: keptCount + openCount) { refs, n in
                for i in 0..<keptCount { refs[i] = Int32(-1 - i) }
                n = keptCount
                for i in 0..<openCount {
                    if isFinal(starts[i]) {
                        finals[i] = true
                        anyFinal = true
                    } else if !(mode == .complete || (mode == .update && touched[i] == epoch)) {
                        continue
                    }
                    refs[n] = Int32(i)
                    n += 1
                }
            }
        }
        return (refs, finals, anyFinal)
    }

    /// Each group id's place among the group tuples in SQL order: recomputed only when groups or texts were
    /// added, so an epoch sorts its rows by integers (`KeyOrder`) instead of comparing strings per row.
    mutating func refreshGroupOrder(_ p: QueryProgram, textRanks: [Int32]) {
        guard groupOrder.count != groups.count || groupOrderTexts != textRanks.count else { return }
        let ids = (0..<Int32(groups.count)).sorted { groupPrecedes($0, $1, p, textRanks) }
        groupOrder = [Int32](repeating: 0, count: ids.count)
        for (place, id) in ids.enumerated() { groupOrder[Int(id)] = Int32(place) }
        groupOrderTexts = textRanks.count
    }

    /// Group tuples in SQL order, column by column: NULL first, text by UTF-8 bytes, others numerically.
    func groupPrecedes(_ a: Int32, _ b: Int32, _ p: QueryProgram, _ textRanks: [Int32]) -> Bool {
        guard a != b else { return false }
        for j in 0..<groups.arity {
            let x = groups.value(a, j), y = groups.value(b, j)
            guard x != y else { continue }
            guard let x else { return true }
            guard let y else { return false }
            if p.query.groupKey.columns[j].type == .text { return textRanks[Int(x)] < textRanks[Int(y)] }
            return x < y
        }
        return false
    }
}
