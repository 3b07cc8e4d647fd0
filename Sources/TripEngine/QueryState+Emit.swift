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

    /// The rows the query's output mode emits this epoch (`Engine.emit`), sorted by window start, then group
    /// values (NULL first, numbers numerically, text by UTF-8 bytes: the order is the values', not the ids'
    /// first-seen order, so every input order that gives the same windows gives the same sequence). Final
    /// windows' slab rows are freed unless complete mode keeps them. `texts` are `queryTexts.cachedStrings`,
    /// `textRanks` their places in UTF-8 byte order (`Engine.textRanks`).
    mutating func emit(_ p: QueryProgram, epoch: Int64, zone: ZoneRules, texts: [String],
                       textRanks: [Int32]) -> QueryResults {
        let wm = watermark
        let spec = p.query.window.spec
        let day = p.query.window.dayAligned
        if groups.arity > 0 { refreshGroupOrder(p, textRanks: textRanks) }
        let picked = Engine.emit(&windows, retained: &retained, mode: p.mode, epoch: epoch,
                                 groupOrder: groups.arity > 0 ? groupOrder : nil, isFinal: { start, _ in
            day ? zone.startOfDay(start + 1) * 1000 <= wm : start + spec.length <= wm
        }) { start, group, row, final in (start: start, group: group, row: row, final: final) }
        // Window bounds, computed once: the bound columns and `windowStarts`/`windowEnds` share these arrays.
        let starts: [EventTime], ends: [EventTime]
        if day {
            starts = picked.map { zone.startOfDay($0.start) * 1000 }
            ends = picked.map { zone.startOfDay($0.start + 1) * 1000 }
        } else {
            starts = picked.map(\.start)
            ends = starts.map { $0 + spec.length }
        }
        let allPresent = [Bool](repeating: true, count: picked.count)
        // Column by column: each value is one store of a number (and its NULL flag), no `ResultValue` per value.
        let columns = zip(p.outputSources, p.outputKinds).map { source, kind -> ResultColumn in
            var present = allPresent  // copied only if a value is NULL
            let numbers: [Int64]
            switch source {
            case .windowStart: numbers = starts
            case .windowEnd: numbers = ends
            case .day: numbers = picked.map(\.start)
            case .group(let j):
                // A tuple's words: its presence bits, then its values (`GroupKeys`), read through one pointer.
                let tuple = groups.arity + 1, bit = Int64(1) << Int64(j)
                numbers = groups.words.withUnsafeBufferPointer { words in
                    picked.indices.map { r in
                        let base = Int(picked[r].group) * tuple
                        guard words[base] & bit != 0 else { present[r] = false; return 0 }
                        return words[base + 1 + j]
                    }
                }
            case .aggregate(let k) where p.slots[k].aggregate.kind == .countRows || p.slots[k].aggregate.kind == .count:
                // A count is its slot's one word and never NULL.
                let offset = p.slots[k].offset, stride = stride
                numbers = slab.withUnsafeBufferPointer { slab in picked.map { slab[Int($0.row) * stride + offset] } }
            case .aggregate(let k):
                let slot = p.slots[k]
                numbers = slab.withUnsafeBufferPointer { slab in
                    picked.indices.map { r in
                        let base = Int(picked[r].row) * stride
                        guard let v = p.resultNumber(slot, slab, at: base) else { present[r] = false; return 0 }
                        return v
                    }
                }
            }
            return ResultColumn(kind: kind, numbers: numbers, present: present, texts: kind == .text ? texts : [])
        }
        var out = QueryResults(name: p.name, columns: columns, watermark: watermark, rowsLate: lateRows,
                               rowsEmitted: emittedRows + Int64(picked.count))
        out.windowStarts = starts
        out.windowEnds = ends
        out.finals = picked.map(\.final)
        if p.mode != .complete {
            for w in picked where w.final { freeRows.append(w.row) }
        }
        emittedRows = out.rowsEmitted
        return out
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
