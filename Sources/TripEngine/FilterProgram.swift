import TripCore

/// A query's WHERE compiled once into flat arrays that the per-row loop walks without allocating, hashing or
/// calling closures. Truth values are SQL's three: `no` < `unknown` < `yes`, so AND is the minimum, OR the
/// maximum and NOT the mirror image (NOT UNKNOWN stays UNKNOWN); a row is kept only when the root is `yes`.
struct FilterProgram: Sendable {
    typealias Truth = UInt8
    static let no: Truth = 0, unknown: Truth = 1, yes: Truth = 2

    enum Op: UInt8, Sendable {
        case equal, notEqual, less, lessOrEqual, greater, greaterOrEqual
        case isNull, isNotNull
        /// `column IN literals[first ..< first + count]`.
        case oneOf
        /// `children[first]`'s truth mirrored.
        case not
        /// Over `children[first ..< first + count]`.
        case and, or
    }

    struct Node: Sendable {
        var op: Op
        var column: Int = 0
        var literal: Int64 = 0
        var first: Int = 0
        var count: Int = 0
    }

    /// The root is node 0.
    private(set) var nodes: [Node] = []
    private(set) var children: [Int] = []
    private(set) var literals: [Int64] = []

    /// `text(column, literal)` gives a text literal's code: the literal's index under the layout, or its
    /// interned id. A literal no row can equal must get a code no row has (`Int64.min`).
    init(_ filter: RowFilter, text: (TripColumn, String) -> Int64) {
        _ = append(filter, text: text)
    }

    private mutating func append(_ f: RowFilter, text: (TripColumn, String) -> Int64) -> Int {
        let index = nodes.count
        func code(_ c: TripColumn, _ v: FilterValue) -> Int64 {
            switch v {
            case .number(let n): n
            case .text(let s): text(c, s)
            }
        }
        switch f {
        case .compare(let c, let cmp, let v):
            nodes.append(Node(op: Self.op(cmp), column: c.rawValue, literal: code(c, v)))
        case .isNull(let c): nodes.append(Node(op: .isNull, column: c.rawValue))
        case .isNotNull(let c): nodes.append(Node(op: .isNotNull, column: c.rawValue))
        case .oneOf(let c, let values):
            nodes.append(Node(op: .oneOf, column: c.rawValue, first: literals.count, count: values.count))
            literals += values.map { code(c, $0) }
        case .not(let inner):
            nodes.append(Node(op: .not))
            let child = append(inner, text: text)
            nodes[index].first = children.count
            nodes[index].count = 1
            children.append(child)
        case .and(let fs), .or(let fs):
            nodes.append(Node(op: f.isAnd ? .and : .or))
            let kids = fs.map { append($0, text: text) }
            nodes[index].first = children.count
            nodes[index].count = kids.count
            children += kids
        }
        return index
    }

    private static func op(_ c: Comparison) -> Op {
        switch c {
        case .equal: .equal
        case .notEqual: .notEqual
        case .less: .less
        case .lessOrEqual: .lessOrEqual
        case .greater: .greater
        case .greaterOrEqual: .greaterOrEqual
        }
    }
}

/// A `FilterProgram` as the per-row loop reads it: pointers into copies its `QueryProgram` owns (`QueryKernel`).
struct FilterKernel: @unchecked Sendable {
    typealias Truth = FilterProgram.Truth
    let nodes: UnsafeBufferPointer<FilterProgram.Node>
    let children: UnsafeBufferPointer<Int>
    let literals: UnsafeBufferPointer<Int64>

    /// True when the condition is TRUE for the row (its presence bits and values).
    @inline(__always)
    func accepts(_ present: UInt64, _ values: UnsafeBufferPointer<Int64>) -> Bool {
        evaluate(0, present, values) == FilterProgram.yes
    }

    func evaluate(_ n: Int, _ presentBits: UInt64, _ values: UnsafeBufferPointer<Int64>) -> Truth {
        let (no, unknown, yes) = (FilterProgram.no, FilterProgram.unknown, FilterProgram.yes)
        let node = nodes[n]
        let present = presentBits & (1 << UInt64(node.column)) != 0
        let v = values[node.column]
        switch node.op {
        case .isNull: return present ? no : yes
        case .isNotNull: return present ? yes : no
        case .equal: return present ? (v == node.literal ? yes : no) : unknown
        case .notEqual: return present ? (v != node.literal ? yes : no) : unknown
        case .less: return present ? (v < node.literal ? yes : no) : unknown
        case .lessOrEqual: return present ? (v <= node.literal ? yes : no) : unknown
        case .greater: return present ? (v > node.literal ? yes : no) : unknown
        case .greaterOrEqual: return present ? (v >= node.literal ? yes : no) : unknown
        case .oneOf:
            // The literals are never NULL, so a present value is in the list or not: no UNKNOWN beyond NULL.
            guard present else { return unknown }
            for i in node.first..<node.first + node.count where literals[i] == v { return yes }
            return no
        case .not:
            return yes - evaluate(children[node.first], presentBits, values)
        case .and:
            var result = yes
            for i in node.first..<node.first + node.count {
                result = min(result, evaluate(children[i], presentBits, values))
                if result == no { break }
            }
            return result
        case .or:
            var result = no
            for i in node.first..<node.first + node.count {
                result = max(result, evaluate(children[i], presentBits, values))
                if result == yes { break }
            }
            return result
        }
    }
}

extension RowFilter {
    /// The columns that the condition's top-level `IS NOT NULL` conjuncts require (one bit per `TripColumn`), and
    /// the rest of it (nil: nothing). A row passes when it holds every required column and the rest is TRUE for
    /// it: `IS NOT NULL` is never UNKNOWN, so one mask test decides those conjuncts (a hotspot's whole WHERE).
    var presenceSplit: (required: UInt64, rest: RowFilter?) {
        switch self {
        case .isNotNull(let c):
            return (1 << UInt64(c.rawValue), nil)
        case .and(let conjuncts):
            var required: UInt64 = 0
            var rest: [RowFilter] = []
            for f in conjuncts {
                if case .isNotNull(let c) = f { required |= 1 << UInt64(c.rawValue) } else { rest.append(f) }
            }
            return (required, rest.isEmpty ? nil : rest.count == 1 ? rest[0] : .and(rest))
        default:
            return (0, self)
        }
    }

    fileprivate var isAnd: Bool {
        if case .and = self { return true }
        return false
    }
}
