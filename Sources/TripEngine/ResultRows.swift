import TripCore

/// What one epoch changed: each query's rows per its output mode, sorted by key, and its watermark. What sinks
/// apply.
public struct EpochOutput: Sendable, Equatable {
    public var epoch: Int64
    /// Every query's results in the engine's order: the four built-ins (`QueryName` order), then the SQL queries
    /// in the configuration's order.
    public var queries: [QueryResults] = []

    public init(epoch: Int64) { self.epoch = epoch }

    /// A built-in's results (it must be enabled).
    public subscript(query: QueryName) -> QueryResults {
        guard let r = queries.first(where: { $0.name == query.rawValue }) else {
            preconditionFailure("\(query.rawValue) is disabled: it has no results")
        }
        return r
    }

    /// The SQL queries' results (after the built-ins').
    public var sqlQueries: [QueryResults] { queries.filter { QueryName(rawValue: $0.name) == nil } }

    /// True once every query's watermark is +∞: the end of a finite input made every window final.
    public var allFinal: Bool { !queries.isEmpty && queries.allSatisfy { $0.watermark == .max } }

    public var rowCount: Int { queries.reduce(0) { $0 + $1.rows.count } }
}

/// Which queries judged a row late: bit i for the engine's i-th query (the enabled built-ins first, in
/// `QueryName` order: `Engine.isLate(_:for:)`; hence at most `Engine.maxQueries` SQL queries beside them).
public struct LateMask: Sendable, Equatable {
    public var bits: UInt64 = 0
    public init(bits: UInt64 = 0) { self.bits = bits }
    public var isEmpty: Bool { bits == 0 }
    public func contains(query index: Int) -> Bool { bits & (1 << UInt64(index)) != 0 }
    /// The late queries' indices, in order.
    public var indices: [Int] {
        var out: [Int] = [], rest = bits
        while rest != 0 {
            out.append(rest.trailingZeroBitCount)
            rest &= rest - 1
        }
        return out
    }
}
