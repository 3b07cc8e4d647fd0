import TripCore

/// One output value of a SQL query's result row, typed as its `OutputColumn` says.
public enum ResultValue: Sendable, Equatable, Hashable {
    case null
    case integer(Int64)
    /// Fixed-point: the value times 10^scale (exact).
    case decimal(Int64, scale: Int)
    /// `AVG` without `ROUND`.
    case double(Double)
    case text(String)
    /// ms since the Unix epoch, UTC.
    case timestamp(EventTime)
    /// A local calendar day: days since 1970-01-01 (`CivilDate.isoDay`).
    case date(Int64)
}

/// One result row of a SQL query: the window it belongs to, its values in the query's `outputs` order, and
/// whether the window is final. The window and the group values are its deterministic key.
public struct QueryResultRow: Sendable, Equatable {
    /// The window's bounds in ms (a day-aligned window: the local day's UTC bounds, 23 or 25 hours across DST).
    public var windowStart: EventTime
    public var windowEnd: EventTime
    public var values: ResultValues
    public var final: Bool

    public init(windowStart: EventTime, windowEnd: EventTime, values: [ResultValue], final: Bool) {
        self.init(windowStart: windowStart, windowEnd: windowEnd,
                  values: ResultValues(columns: values.map { ResultColumn(values: [$0]) }, row: 0), final: final)
    }

    init(windowStart: EventTime, windowEnd: EventTime, values: ResultValues, final: Bool) {
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.values = values
        self.final = final
    }
}

/// A result row's values, indexed from 0: a view of its row in the epoch's result columns (`QueryResults`),
/// so a row costs no storage of its own.
public struct ResultValues: RandomAccessCollection, Sendable, Equatable {
    let columns: [ResultColumn]
    let row: Int

    public var startIndex: Int { 0 }
    public var endIndex: Int { columns.count }
    public subscript(i: Int) -> ResultValue { columns[i][row] }

    public static func == (a: Self, b: Self) -> Bool { a.elementsEqual(b) }
}

/// One output of a SQL query over an epoch's result rows, as plain numbers: each row's value as the number of
/// its kind (fixed-point integer, ms, day, an index into `texts`, a double's bit pattern) and whether it is
/// NULL. Emitting a value is one store; `ResultValue`s are made only when a sink reads them.
public struct ResultColumn: Sendable {
    public enum Kind: Sendable, Equatable {
        case integer
        case decimal(scale: Int)
        case double
        case text
        case timestamp
        case date
    }

    public let kind: Kind
    public internal(set) var numbers: [Int64]
    /// False where the value is NULL.
    public internal(set) var present: [Bool]
    /// What a text column's numbers index (the engine's strings, shared, not copied).
    public let texts: [String]

    public init(kind: Kind, numbers: [Int64], present: [Bool], texts: [String] = []) {
        self.kind = kind
        self.numbers = numbers
        self.present = present
        self.texts = texts
    }

    /// A column holding `values`: all of one kind, or NULL (a mix is a programming error: it stops).
    public init(values: [ResultValue]) {
        var kind: Kind?
        var texts: [String] = []
        var numbers: [Int64] = []
        numbers.reserveCapacity(values.count)
        for v in values {
            let (k, n): (Kind?, Int64) = switch v {
            case .null: (nil, 0)
            case .integer(let n): (.integer, n)
            case .decimal(let n, let scale): (.decimal(scale: scale), n)
            case .double(let d): (.double, Int64(bitPattern: d.bitPattern))
            case .text: (.text, Int64(texts.count))
            case .timestamp(let t): (.timestamp, t)
            case .date(let d): (.date, d)
            }
            if case .text(let s) = v { texts.append(s) }
            if let k {
                precondition(kind == nil || kind == k, "a result column holds one kind of value, not \(kind!) and \(k)")
                kind = k
            }
            numbers.append(n)
        }
        self.init(kind: kind ?? .integer, numbers: numbers, present: values.map { $0 != .null }, texts: texts)
    }

    public var count: Int { numbers.count }

    /// A column's storage as buffer pointers, valid inside `withPointers`: reading a value through them touches
    /// no reference count (a sink's per-value loop).
    public struct Pointers {
        public let kind: Kind
        public let numbers: UnsafeBufferPointer<Int64>
        public let present: UnsafeBufferPointer<Bool>
        public let texts: UnsafeBufferPointer<String>
    }

    /// Calls `body` with the pointers of every column of `columns`, in order.
    public static func withPointers<R>(_ columns: [ResultColumn], _ body: (UnsafeBufferPointer<Pointers>) throws -> R) rethrows -> R {
        var pointers: [Pointers] = []
        pointers.reserveCapacity(columns.count)
        func nest(_ i: Int) throws -> R {
            guard i < columns.count else { return try pointers.withUnsafeBufferPointer(body) }
            let column = columns[i]
            return try column.numbers.withUnsafeBufferPointer { numbers in
                try column.present.withUnsafeBufferPointer { present in
                    try column.texts.withUnsafeBufferPointer { texts in
                        pointers.append(Pointers(kind: column.kind, numbers: numbers, present: present, texts: texts))
                        return try nest(i + 1)
                    }
                }
            }
        }
        return try nest(0)
    }

    public subscript(row: Int) -> ResultValue {
        guard present[row] else { return .null }
        let n = numbers[row]
        switch kind {
        case .integer: return .integer(n)
        case .decimal(let scale): return .decimal(n, scale: scale)
        case .double: return .double(Double(bitPattern: UInt64(bitPattern: n)))
        case .text: return .text(texts[Int(n)])
        case .timestamp: return .timestamp(n)
        case .date: return .date(n)
        }
    }
}

/// What one epoch changed for one SQL query: its rows sorted by key, and its watermark after the epoch. The rows
/// are stored by column (bounds and finality, then one `ResultColumn` per output) and read as `rows`.
public struct QueryResults: Sendable, Equatable {
    public var name: String
    /// Values per row: the query's outputs.
    public var width: Int { columns.count }
    public internal(set) var windowStarts: [EventTime] = []
    public internal(set) var windowEnds: [EventTime] = []
    /// Per row: whether its window is final.
    public internal(set) var finals: [Bool] = []
    public internal(set) var columns: [ResultColumn]
    /// ms; Int64.min before any row, Int64.max after the end of input.
    public var watermark: EventTime
    /// Since the job's first epoch (as `Counters`): rows the query judged late, result rows it emitted.
    public var rowsLate: Int64
    public var rowsEmitted: Int64

    public init(name: String, rows: [QueryResultRow], watermark: EventTime, rowsLate: Int64 = 0, rowsEmitted: Int64 = 0) {
        let width = rows.first?.values.count ?? 0
        precondition(rows.allSatisfy { $0.values.count == width }, "result rows of one query have the same width")
        self.init(name: name, columns: (0..<width).map { i in ResultColumn(values: rows.map { $0.values[i] }) },
                  watermark: watermark, rowsLate: rowsLate, rowsEmitted: rowsEmitted)
        windowStarts = rows.map(\.windowStart)
        windowEnds = rows.map(\.windowEnd)
        finals = rows.map(\.final)
    }

    init(name: String, columns: [ResultColumn], watermark: EventTime, rowsLate: Int64, rowsEmitted: Int64) {
        self.name = name
        self.columns = columns
        self.watermark = watermark
        self.rowsLate = rowsLate
        self.rowsEmitted = rowsEmitted
    }

    /// Same name, counters and watermark, and the same rows in the same order.
    public static func == (a: Self, b: Self) -> Bool {
        a.name == b.name && a.watermark == b.watermark && a.rowsLate == b.rowsLate && a.rowsEmitted == b.rowsEmitted
            && a.width == b.width && a.rows.elementsEqual(b.rows)
    }

    public var rows: Rows { Rows(results: self) }

    /// The rows in order, each a view into the columns.
    public struct Rows: RandomAccessCollection, Sendable {
        let results: QueryResults
        public var startIndex: Int { 0 }
        public var endIndex: Int { results.finals.count }
        public subscript(i: Int) -> QueryResultRow {
            QueryResultRow(windowStart: results.windowStarts[i], windowEnd: results.windowEnds[i],
                           values: ResultValues(columns: results.columns, row: i), final: results.finals[i])
        }
    }
}
