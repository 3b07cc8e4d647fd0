#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import TripCore

/// How a decoder turns one column of a `RowLayout` into a `QueryRow` value: worked out once from the layout,
/// so a record's fields are parsed without looking anything up by name. A plain value (no reference in it):
/// the decoders copy one per column and record, and a literal list held in `Kind` cost a retain and release
/// per copy (docs/performance.md).
struct QueryColumnParser {
    enum Kind {
        case integer
        case decimal(scale: Int)
        case timestamp
        /// Text as its id in the engine's interner (`RowLayout.TextCoding.interned`).
        case interned
        /// Text as the index of the equal literal, -1 for none (`RowLayout.TextCoding.literals`): the literals
        /// are `Literals.lists[list]`, as bytes.
        case literals(list: Int)
        /// Pseudo-columns: no field holds them.
        case kafkaTimestamp, ingestTime

        var isKafkaTimestamp: Bool {
            if case .kafkaTimestamp = self { true } else { false }
        }
    }

    let column: TripColumn
    let kind: Kind

    /// The literal lists of a layout's `.literals` columns, as bytes.
    struct Literals {
        var lists: [[[UInt8]]] = []
    }

    /// One per column of `layout`, in its order, and the literal lists they index.
    static func all(_ layout: RowLayout) -> (parsers: [QueryColumnParser], literals: Literals) {
        var literals = Literals()
        let parsers = layout.columns.map { column in
            let kind: Kind = switch (column, column.type) {
            case (.kafkaTimestamp, _): .kafkaTimestamp
            case (.ingestTime, _): .ingestTime
            case (_, .integer): .integer
            case (_, .decimal(let scale)): .decimal(scale: scale)
            case (_, .text):
                if case .literals(let list)? = layout.textCoding[column] {
                    .literals(list: literals.add(list.map { Array($0.utf8) }))
                } else {
                    .interned
                }
            default: .timestamp
            }
            return QueryColumnParser(column: column, kind: kind)
        }
        return (parsers, literals)
    }

    var isText: Bool {
        switch kind {
        case .interned, .literals: true
        default: false
        }
    }

    /// Parses a field's bytes (text already unescaped) into `row`; an empty field leaves the column NULL.
    /// Returns why the value does not parse, naming the column and quoting the value's start. Always inlined:
    /// `@inline(__always)` left the choice to the optimizer's cost model, which declined once the row's writes
    /// were inlined too (docs/performance.md, part 8).
    @inline(always)
    func parse(_ bytes: UnsafeRawBufferPointer, zone: ZoneRules, into row: inout RowValues,
               texts: inout StringInterner, literals: Literals) -> String? {
        do {
            if let v = try value(bytes, zone: zone, texts: &texts, literals: literals) { row.set(column, v) }
            return nil
        } catch {
            return error.reason
        }
    }

    /// A field's value (text already unescaped), nil for an empty field; throws why it does not parse.
    @inline(__always)
    func value(_ bytes: UnsafeRawBufferPointer, zone: ZoneRules, texts: inout StringInterner,
               literals: Literals) throws(Rejection) -> Int64? {
        switch kind {
        case .integer:
            do { return try FieldParsers.wholeNumber(bytes) } catch { throw nonInteger(bytes) }
        case .decimal(let scale):
            do { return try FieldParsers.fixedPoint(bytes, scale: scale) } catch { throw nonNumeric(bytes) }
        case .timestamp:
            do {
                return try FieldParsers.timestamp(bytes)?.eventTime(in: zone)
            } catch {
                throw badTimestamp(bytes, error)
            }
        case .interned:
            let text = FieldParsers.trimmed(bytes)
            return text.isEmpty ? nil : Int64(texts.intern(text))
        case .literals(let list):
            let text = FieldParsers.trimmed(bytes)
            return text.isEmpty ? nil : Self.index(of: text, in: literals.lists[list])
        case .kafkaTimestamp, .ingestTime:
            return nil
        }
    }

    /// Why a field does not parse: the problem, the column's name and the value's start, quoted.
    struct Rejection: Error {
        let problem: String
        /// The column as the input names it (`naming(_:)`): a JSON key is its name; a CSV header may spell
        /// it otherwise (`Pickup Community Area`), and the reason should use the spelling the user sees.
        let column: String
        /// After the name: the quoted value and any detail (may be empty).
        let value: String

        var reason: String { "\(problem) \(column)\(value)" }

        func naming(_ name: String) -> Rejection {
            Rejection(problem: problem, column: name, value: value)
        }
    }

    func nonInteger(_ bytes: UnsafeRawBufferPointer) -> Rejection {
        Rejection(problem: "non-integer", column: column.name, value: " \"\(Self.quoted(bytes))\"")
    }

    func nonNumeric(_ bytes: UnsafeRawBufferPointer) -> Rejection {
        Rejection(problem: "non-numeric", column: column.name, value: " \"\(Self.quoted(bytes))\"")
    }

    func badTimestamp(_ bytes: UnsafeRawBufferPointer, _ error: FieldError) -> Rejection {
        guard case .badTimestamp(let detail) = error else { return Rejection(problem: "bad", column: column.name, value: "") }
        return Rejection(problem: "bad", column: column.name, value: " \"\(Self.quoted(bytes))\": \(detail)")
    }

    /// The index of the literal equal to `text`, or -1: bytes compared, no String made.
    @inline(__always)
    static func index(of text: UnsafeRawBufferPointer, in list: [[UInt8]]) -> Int64 {
        for (i, literal) in list.enumerated() where literal.count == text.count {
            let equal = literal.withUnsafeBytes { l in
                l.count == 0 || memcmp(l.baseAddress!, text.baseAddress!, l.count) == 0
            }
            if equal { return Int64(i) }
        }
        return -1
    }

    /// A value as a rejection quotes it: its first 40 characters.
    static func quoted(_ bytes: UnsafeRawBufferPointer) -> String {
        String(decoding: bytes, as: UTF8.self).shortenedForMessage(limit: 40)
    }
}

extension QueryColumnParser.Literals {
    /// Adds a list; returns its index.
    mutating func add(_ list: [[UInt8]]) -> Int {
        lists.append(list)
        return lists.count - 1
    }
}

/// A record's `QueryRow` columns while a decoder parses them: the row's values moved out of it (one owner, so the
/// writes need no copy) and the presence bits so far; moved back once per record. The writes are inlined here
/// instead of a call into `QueryRow` per column (docs/performance.md, part 8).
struct RowValues {
    var values: [Int64]
    var present: UInt64 = 0

    @inline(__always)
    mutating func set(_ column: TripColumn, _ value: Int64) {
        values[column.rawValue] = value
        present |= 1 << UInt64(column.rawValue)
    }
}
