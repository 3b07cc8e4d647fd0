import TripCore

/// What the per-row loop needs of one compiled query, as plain values and pointers into buffers that its
/// `QueryProgram` owns: reading it retains nothing. (Taking a class reference, or an array out of one, per query
/// per row cost more than the query's own work.) Valid while its program lives; the engine holds both.
struct QueryKernel: @unchecked Sendable {
    let timeColumn: Int
    let window: WindowSpec
    let dayAligned: Bool
    /// WHERE as the columns a row must hold (its top-level `IS NOT NULL` conjuncts), then the rest of it.
    let filter: FilterKernel?
    /// `TripColumn` indices, in GROUP BY order.
    let groupColumns: UnsafeBufferPointer<Int>
    /// The aggregates as the per-row loop applies them (`Accumulation`), in slot order.
    let accumulations: UnsafeBufferPointer<Accumulation>
    /// Accumulator words per window.
    let stride: Int
    /// A new window's words (`stride` of them): counts and sums 0, MIN at +∞, MAX at −∞.
    let initialWords: UnsafeBufferPointer<Int64>

    /// The most windows one row joins: size ÷ slide, rounded up (1 for days).
    let windowsPerRow: Int
    /// Every aggregate is COUNT(*) (a hotspot): each word counts rows, whatever the row holds.
    let countsRowsOnly: Bool
    /// One bit per `TripColumn` that WHERE requires to be present.
    let requiredColumns: UInt64

    /// Adds the row (its presence bits and values) to the window whose words start at `words`; NULL values are
    /// skipped.
    @inline(__always)
    func accumulate(_ present: UInt64, _ values: UnsafeBufferPointer<Int64>, into words: UnsafeMutablePointer<Int64>) {
        // Counts cannot overflow (2^63 rows), nor can sums (128 bits): wrapping adds, no checks.
        if countsRowsOnly {
            if stride == 1 { words.pointee &+= 1 } else { for j in 0..<stride { words[j] &+= 1 } }
            return
        }
        for a in accumulations {
            let o = Int(a.offset)
            if a.operation == .countRows { words[o] &+= 1; continue }
            guard present & (1 << UInt64(a.column)) != 0 else { continue }
            let v = values[Int(a.column)]
            switch a.operation {
            case .countRows, .count: words[o] &+= 1
            case .sum:
                // Two's-complement 128-bit add: the low word with carry, the high word gets v's sign and it.
                let (low, carry) = UInt64(bitPattern: words[o]).addingReportingOverflow(UInt64(bitPattern: v))
                words[o] = Int64(bitPattern: low)
                words[o + 1] = words[o + 1] &+ (v >> 63) &+ (carry ? 1 : 0)
                words[o + 2] &+= 1
            case .min: if v < words[o] { words[o] = v }; words[o + 1] &+= 1
            case .max: if v > words[o] { words[o] = v }; words[o + 1] &+= 1
            }
        }
    }
}

/// One aggregate as the per-row loop applies it: 4 bytes instead of a `QueryProgram.Slot`'s 40 (the loop
/// copied a slot per aggregate and row). AVG accumulates as SUM does.
struct Accumulation: Sendable {
    enum Operation: UInt8, Sendable { case countRows, count, sum, min, max }
    let operation: Operation
    /// `TripColumn` index (unused by COUNT(*)).
    let column: UInt8
    /// The slot's first word in the window's words.
    let offset: UInt16

    init(_ slot: QueryProgram.Slot) {
        operation = switch slot.aggregate.kind {
        case .countRows: .countRows
        case .count: .count
        case .sum, .avg: .sum
        case .min: .min
        case .max: .max
        }
        column = UInt8(slot.column)
        offset = UInt16(slot.offset)
    }
}

extension QueryProgram.Slot {
    /// The slot's words in a window no row has reached yet.
    var initialWords: [Int64] {
        switch aggregate.kind {
        case .countRows, .count: [0]
        case .sum, .avg: [0, 0, 0]
        case .min: [.max, 0]
        case .max: [.min, 0]
        }
    }
}

/// An immutable copy of an array at a fixed address, freed with its owner, so that a kernel may point into it.
final class PinnedBuffer<Element>: @unchecked Sendable {
    private let base: UnsafeMutablePointer<Element>
    let buffer: UnsafeBufferPointer<Element>

    init(_ array: [Element]) {
        base = .allocate(capacity: max(array.count, 1))
        base.initialize(from: array, count: array.count)
        buffer = UnsafeBufferPointer(start: base, count: array.count)
    }

    deinit {
        base.deinitialize(count: buffer.count)
        base.deallocate()
    }
}
