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
    /// windows' slab rows are freed unless complete mode keeps them. `texts` are `queryTexts.cachedStrings`.
    mutating func emit(_ p: QueryProgram, epoch: Int64, zone: ZoneRules, texts: [String]) -> [QueryResultRow] {
        let wm = watermark
        let spec = p.query.window.spec
        let day = p.query.window.dayAligned
        var picked = Engine.emit(&windows, retained: &retained, mode: p.mode, epoch: epoch, isFinal: { start, _ in
            day ? zone.startOfDay(start + 1) * 1000 <= wm : start + spec.length <= wm
        }) { start, group, row, final in (start: start, group: group, row: row, final: final) }
        if groups.arity > 0 {
            picked.sort { a, b in
                a.start != b.start ? a.start < b.start : groupPrecedes(a.group, b.group, p, texts)
            }
        }
        var rows: [QueryResultRow] = []
        rows.reserveCapacity(picked.count)
        for w in picked {
            let (start, end) = day ? (zone.startOfDay(w.start) * 1000, zone.startOfDay(w.start + 1) * 1000)
                                   : (w.start, w.start + spec.length)
            let words = words(w.row)
            let values = p.query.outputs.map { output -> ResultValue in
                switch output.source {
                case .windowStart: .timestamp(start)
                case .windowEnd: .timestamp(end)
                case .day: .date(w.start)
                case .group(let j): groupValue(w.group, j, p, texts)
                case .aggregate(let k): p.result(p.slots[k], words)
                }
            }
            rows.append(QueryResultRow(windowStart: start, windowEnd: end, values: values, final: w.final))
            if w.final && p.mode != .complete { freeRows.append(w.row) }
        }
        emittedRows += Int64(rows.count)
        return rows
    }

    func groupValue(_ group: Int32, _ j: Int, _ p: QueryProgram, _ texts: [String]) -> ResultValue {
        guard let v = groups.value(group, j) else { return .null }
        let type = p.query.groupKey.columns[j].type
        return type == .text ? .text(texts[Int(v)]) : QueryProgram.value(v, type)
    }

    /// Group tuples in SQL order, column by column: NULL first, text by UTF-8 bytes, others numerically.
    func groupPrecedes(_ a: Int32, _ b: Int32, _ p: QueryProgram, _ texts: [String]) -> Bool {
        guard a != b else { return false }
        for j in 0..<groups.arity {
            let x = groups.value(a, j), y = groups.value(b, j)
            guard x != y else { continue }
            guard let x else { return true }
            guard let y else { return false }
            if p.query.groupKey.columns[j].type == .text {
                return texts[Int(x)].utf8.lexicographicallyPrecedes(texts[Int(y)].utf8)
            }
            return x < y
        }
        return false
    }
}
