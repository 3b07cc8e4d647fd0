import TripCore
import TripSQLite

extension DiffTruth {
    /// What comparing one query found.
    public struct Check {
        /// Where the mirror differs, each self-contained: the query, its settings, the first differing rows.
        public var problems: [String] = []
        /// Result rows and late rows of the truth (a query whose truth is empty tests little).
        public var truthRows = 0
        public var lateRows = 0
    }

    /// Compares the mirror with the truth for `q`: its result table (`table`, default the query's name), its
    /// late dead letters and its `query_progress` row.
    public func check(_ q: DiffQuery, table: String? = nil, maxRows: Int = 5) throws -> Check {
        let context = "query \(q.name) (watermark \(q.watermarkDelay) ms, mode \(q.mode.rawValue)): \(q.sql)"
        var out: [String] = []
        let expected = try expectedRows(q)
        let mirror = try mirrorRows(q, table: table)
        if mirror.rows != expected {
            let keys = Set(expected.keys).union(mirror.rows.keys).sorted().filter { expected[$0] != mirror.rows[$0] }
            let lines = keys.prefix(maxRows).map { key -> String in
                let show = { (row: [DiffCell]?) in
                    row.map { zip(q.outputs, $0).map { "\($0.0.name)=\($0.1)" }.joined(separator: ", ") } ?? "(no row)"
                }
                return "  mirror: \(show(mirror.rows[key]))\n  truth:  \(show(expected[key]))"
            }
            out.append("\(context)\n\(keys.count) of \(expected.count) truth rows differ (mirror has \(mirror.rows.count)); "
                       + "first:\n" + lines.joined(separator: "\n"))
        }
        if mirror.notFinal > 0 { out.append("\(context)\n\(mirror.notFinal) rows are not final after the replay") }

        let late = try expectedLate(q)
        let lettered = try db.rows("SELECT position FROM dead_letters WHERE query = ? AND reason = 'late' ORDER BY position",
                                   [.text(q.name)]).map { $0[0].int64! }
        if lettered != late {
            let missing = Set(late).subtracting(lettered).sorted().prefix(maxRows)
            let extra = Set(lettered).subtracting(late).sorted().prefix(maxRows)
            out.append("\(context)\nlate dead letters: mirror \(lettered.count), truth \(late.count); "
                       + "missing positions \(Array(missing)), unexpected \(Array(extra))")
        }
        let progress = try db.rows("SELECT watermark, rows_late FROM query_progress WHERE tenant = ? AND query = ?",
                                   [.text(tenant), .text(q.name)])
        let want: [SQLiteValue] = [.integer(.max), .integer(Int64(late.count))]
        if progress.first != want {
            out.append("\(context)\nquery_progress (watermark, rows_late): mirror \(progress.first.map { "\($0)" } ?? "no row"), "
                       + "truth \(want) (a finite replay ends with every window final)")
        }
        return Check(problems: out, truthRows: expected.count, lateRows: late.count)
    }

    /// Where the dead letters of rejected records (`query = ''`) differ from the truth.
    public func rejectionProblems(maxRows: Int = 5) throws -> [String] {
        let expected = try expectedRejected()
        let lettered = try db.rows("SELECT position FROM dead_letters WHERE query = '' ORDER BY position").map { $0[0].int64! }
        guard lettered != expected else { return [] }
        let describe = { (positions: [Int64]) in
            positions.prefix(maxRows).map { p in
                "\(p): " + (input.records.first { $0.offset == p }?.line ?? "?")
            }.joined(separator: "\n    ")
        }
        return ["rejected records: mirror \(lettered.count), truth \(expected.count)\n"
                + "  missing:\n    \(describe(Set(expected).subtracting(lettered).sorted()))\n"
                + "  unexpected:\n    \(describe(Set(lettered).subtracting(expected).sorted()))"]
    }
}
