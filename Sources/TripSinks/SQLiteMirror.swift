#if canImport(Glibc)
import Glibc
#endif
import TripCore
import TripEngine
import TripSQLite

/// Where an epoch ended in its source: recorded with the epoch's results, in the same transaction.
public struct EpochProgress: Sendable, Equatable {
    public var source: String
    public var position: Int64
    public var orderMode: String
    public init(source: String, position: Int64, orderMode: String) {
        self.source = source
        self.position = position
        self.orderMode = orderMode
    }
}

/// The local SQLite mirror of all results. Each epoch is applied in one transaction (results, dead letters,
/// progress); rows are upserted by their deterministic key, so applying an epoch twice changes nothing.
public final class SQLiteMirror {
    public let db: SQLiteDatabase
    public let tenant: String

    let checkpointer: WALCheckpointer?

    deinit { checkpointer?.stop() }

    /// Who copies the write-ahead log back into the database.
    public enum WALCheckpoints: Sendable {
        /// SQLite itself, inside the commit that takes the log past 1 000 pages (a replay: its writer never
        /// pauses, so a thread of its own could not finish the copy anyway, and would take CPU from it).
        case inCommit
        /// A thread of its own once the log holds `pages` pages, and the writer itself past `writerLimit`
        /// (a live `run`: the commit of an epoch must not wait for the copy; see `WALCheckpointer`).
        case background(pages: Int = 1000, writerLimit: Int = 4000)
    }

    /// The queries' tables, in the order of `EpochOutput.queries`, and their multi-row upserts.
    public let queryTables: [QueryTable]
    let queryWriters: [BatchedUpsert]

    /// `queries`: every query whose results `apply` writes, in the engine's order (`Engine.queries`: the
    /// built-ins, whose tables `MirrorSchema` makes, then the SQL queries). A mirror only read, cleared or
    /// compared needs none.
    public init(path: String, tenant: String, walCheckpoints: WALCheckpoints = .inCommit,
                queries: [AnalyticQuery] = []) throws {
        db = try SQLiteDatabase(path: path)
        queryTables = queries.map(QueryTable.init)
        queryTextIDs = Dictionary(uniqueKeysWithValues: Set(queryTables.flatMap { $0.interned.map(\.dictionary) })
            .map { ($0, TextIDCache($0)) })
        if case .background(let pages, let limit) = walCheckpoints {
            checkpointer = WALCheckpointer(path: path, threshold: pages, limit: limit)
        } else {
            checkpointer = nil
        }
        self.tenant = try TripstreamConfig.validTenant(tenant, key: "tenant")
        let fixed = [(column: "tenant", literal: "'\(self.tenant)'")]
        queryWriters = queryTables.map { table in
            BatchedUpsert(table: QueryTable.quoted(table.storageName),
                          columns: table.storedColumns.dropFirst().map { QueryTable.quoted($0.name) }, fixed: fixed)
        }
        // Tenants may share the mirror from several processes: wait up to a minute for another's epoch
        // transaction (SQLite allows one writer at a time) rather than fail after the default 5 s.
        // 16 KiB pages for a new mirror (an existing one keeps its size): fewer, fuller B-tree pages for the
        // append-mostly result tables.
        // Switching a new file to WAL upgrades a read lock; when two processes do it at once, SQLite answers one
        // of them "busy" at once instead of waiting (waiting would deadlock), so that step is retried.
        try db.execute("PRAGMA busy_timeout=60000")
        // Statement journals (a multi-row upsert that meets existing keys keeps one, see `BatchedUpsert`) in
        // memory: SQLite otherwise writes them to temporary files in /var/tmp once they pass 64 KiB.
        try db.execute("PRAGMA temp_store=MEMORY")
        var attempts = 0
        while true {
            do {
                try db.execute("PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;")
                break
            } catch let error as SQLiteError where error.code == 5 && attempts < 3000 {  // SQLITE_BUSY; ≤ 60 s
                attempts += 1
                usleep(20_000)
            }
        }
        try db.execute("CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID")
        try db.transaction {
            let version = try db.scalar("SELECT value FROM meta WHERE key = 'schema_version'")?.string
            if let version, version != "1" && version != String(MirrorSchema.version) {
                throw SQLiteError(code: 0, message: "\(path) has mirror schema version \(version); this build writes version \(MirrorSchema.version)")
            }
            try db.execute(MirrorSchema.ddl)
            if version == "1" { try db.execute(MirrorSchema.migrationFrom1) }
            try db.execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '\(MirrorSchema.version)')")
            for table in queryTables {
                let existing = try db.rows("SELECT name, type FROM pragma_table_info(?)", [.text(table.name)])
                    .map { (name: $0[0].string ?? "", type: $0[1].string ?? "") }
                let kind = try db.scalar("SELECT type FROM sqlite_master WHERE name = ?", [.text(table.name)])
                if let problem = table.mismatch(existing: existing, existingIsView: kind == .text("view")) {
                    throw SQLiteError(code: 0, message: problem)
                }
                let inline = !table.interned.isEmpty && kind == .text("table")
                try db.execute(table.ddl)
                if inline { try db.execute(table.migrationFromInline) }
            }
            try SQLQueryRegistry.record(queryTables.filter { QueryName(rawValue: $0.name) == nil }, in: db)
        }
        // From here on the log is copied back on a thread of its own, not inside the commit that fills it.
        guard let checkpointer else { return }
        db.onWALCommit { [unowned db] frames in
            // Inside the hook, as SQLite's own automatic checkpoint runs; busy (the thread is copying) is fine.
            if checkpointer.committed(frames: frames) {
                checkpointer.waitIdle()
                _ = try? db.checkpointPassive()
            }
        }
    }

    /// The SQL queries' text group values' ids, per dictionary, by the engine's text index.
    let queryTextIDs: [TextDictionary: TextIDCache]

    /// A cached statement, with the tenant bound as parameter 1 unless told otherwise (bindings survive between runs).
    func statement(_ sql: String, tenantBound: Bool = true) throws -> SQLiteStatement {
        let s = try db.cached(sql)
        if tenantBound { try s.bind(text: tenant, at: 1) }
        return s
    }

    /// Applies one epoch: result rows, dead letters and progress, atomically.
    /// `beforeCommit` runs inside the transaction after its writes (a crash point for tests).
    public func apply(_ output: EpochOutput, deadLetters: [DeadLetter], progress: EpochProgress,
                      counters: Counters, beforeCommit: () -> Void = {}) throws {
        do {
            try applyInTransaction(output, deadLetters: deadLetters, progress: progress, counters: counters,
                                   beforeCommit: beforeCommit)
        } catch {
            // Ids looked up in a transaction that rolled back may not exist: forget them.
            for cache in queryTextIDs.values { cache.forget() }
            throw error
        }
    }

    func applyInTransaction(_ output: EpochOutput, deadLetters: [DeadLetter], progress: EpochProgress,
                            counters: Counters, beforeCommit: () -> Void) throws {
        try db.transaction {
            defer { beforeCommit() }
            try writeQueryResults(output.queries)
            let dead = try statement("""
                INSERT OR REPLACE INTO dead_letters(tenant, source, position, query, reason, detail, raw, epoch)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for d in deadLetters {
                try dead.bind(text: d.source ?? progress.source, at: 2)
                try dead.bind(d.offset, at: 3)
                try dead.bind(text: d.queryName, at: 4)
                try dead.bind(text: d.reason, at: 5)
                try dead.bind(text: d.detail, at: 6)
                // Bytes that are not UTF-8 are kept exactly, as a BLOB (the TEXT column stores it unchanged).
                if let bytes = d.rawBytes { try dead.bind(blob: bytes, at: 7) } else { try dead.bind(text: d.raw, at: 7) }
                try dead.bind(output.epoch, at: 8)
                try dead.execute()
            }
            let t = SQLiteValue.text(tenant)
            try db.cached("""
                INSERT OR REPLACE INTO progress(tenant, epoch, source, position, order_mode, rows_read,
                    rows_processed, rows_rejected, rows_late, finished) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).run([t, .integer(output.epoch), .text(progress.source), .integer(progress.position),
                          .text(progress.orderMode), .integer(counters.rowsRead), .integer(counters.rowsProcessed),
                          .integer(counters.rowsRejected), .integer(counters.rowsLate),
                          .integer(output.allFinal ? 1 : 0)])
            let queries = try db.cached("""
                INSERT OR REPLACE INTO query_progress(tenant, query, watermark, rows_late, rows_emitted)
                VALUES (?, ?, ?, ?, ?)
                """)
            for r in output.queries {
                try queries.run([t, .text(r.name), r.watermark == .min ? .null : .integer(r.watermark),
                                 .integer(r.rowsLate), .integer(r.rowsEmitted)])
            }
        }
    }

    /// Each query's changed rows, upserted by key (`QueryTable`); text group values as their ids.
    func writeQueryResults(_ results: [QueryResults]) throws {
        for ((table, writer), r) in zip(zip(queryTables, queryWriters), results) where !r.finals.isEmpty {
            precondition(table.name == r.name && r.width == table.query.outputs.count,
                         "results of \(r.name) for the table of \(table.name)")
            var stored = r.columns
            for t in table.interned {
                stored[t.output] = try queryTextIDs[t.dictionary]!.ids(of: stored[t.output], in: db)
            }
            let finalParameter = Int32(r.width)
            try ResultColumn.withPointers(stored) { columns in
                // Ids follow first appearance, not the text order rows come in: writing in key order keeps each
                // insert next to the last one in the table's B-tree instead of a seek from the root.
                let order = table.interned.isEmpty ? nil : table.keyOrder(columns, rows: r.finals.count)
                try r.finals.withUnsafeBufferPointer { finals in
                    try writer.write(count: finals.count, in: db) { k, s, first in
                        let row = order?[k] ?? k
                        for i in 0..<columns.count {
                            try table.bind(columns[i], row: row, output: i, to: s, at: first + Int32(i))
                        }
                        try s.bind(finals[row] ? 1 : 0, at: first + finalParameter)
                    }
                }
            }
        }
    }

    /// The progress row of this tenant's last replay: its source, epoch and whether it finished.
    public func lastProgress() throws -> (source: String, epoch: Int64, finished: Bool)? {
        guard let row = try db.rows("SELECT source, epoch, finished FROM progress WHERE tenant = ?", [.text(tenant)]).first,
              let source = row[0].string, let epoch = row[1].int64, let finished = row[2].int64 else { return nil }
        return (source, epoch, finished != 0)
    }

    /// Why this mirror cannot take a resume from a checkpoint of `source` at `epoch`, or nil when it can. It must
    /// be a sound SQLite file (`PRAGMA quick_check`) whose progress for this tenant is at that epoch or past it:
    /// an epoch is committed to the mirror before its checkpoint, so a mirror behind lost epochs (its log deleted,
    /// the file replaced by an older copy or a new one) that a resume would never write again.
    public func resumeProblem(epoch: Int64, source: String) -> String? {
        do {
            let check = try db.rows("PRAGMA quick_check").compactMap { $0.first?.string }
            if check != ["ok"] { return "it is damaged (quick_check: \(check.prefix(3).joined(separator: "; ")))" }
            guard let last = try lastProgress() else { return "it holds no epoch of tenant \(tenant)" }
            if last.source != source { return "its last epoch is one of \(last.source), not \(source)" }
            if last.epoch < epoch { return "it holds epochs up to \(last.epoch) only" }
            return nil
        } catch {
            return "it cannot be read (\(error))"
        }
    }

    /// Deletes this tenant's rows (a fresh replay into an existing mirror).
    public func clearTenant() throws {
        try db.transaction {
            for table in MirrorSchema.allTables {
                try db.prepare("DELETE FROM \(MirrorSchema.storage(of: table)) WHERE tenant = ?").run([.text(tenant)])
            }
            for table in queryTables {
                try db.prepare("DELETE FROM \(QueryTable.quoted(table.storageName)) WHERE tenant = ?").run([.text(tenant)])
            }
        }
    }

    /// Every table of this tenant as sorted text lines: equal dumps mean equal mirrors.
    public static func canonicalDump(_ db: SQLiteDatabase, tenant: String, tables: [String] = MirrorSchema.allTables) throws -> [String: [String]] {
        var out: [String: [String]] = [:]
        for table in tables {
            let rows = try db.rows("SELECT * FROM \(table) WHERE tenant = ? ORDER BY 1, 2, 3, 4", [.text(tenant)])
            out[table] = rows.map { $0.map(\.description).joined(separator: "|") }.sorted()
        }
        return out
    }
}
