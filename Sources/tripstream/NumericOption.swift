import ArgumentParser
import Foundation

/// The allowed values of a numeric option, written once: shown in its `--help` and checked as it is parsed.
///
/// Checking in the option's transform makes ArgumentParser's error name the option and the value, and end with
/// the range (exit status 64 like every usage error). Options using it are declared with
/// `parsing: .unconditional`, so a negative value reaches the check instead of being read as an option name
/// ("Missing value for '--epoch-rows'").
struct NumericRange<Value: Comparable & LosslessStringConvertible & Sendable>: Sendable {
    let bounds: ClosedRange<Value>
    /// Appended to the bounds in help and errors, e.g. " MiB" or " ms".
    let unit: String

    init(_ bounds: ClosedRange<Value>, unit: String = "") {
        self.bounds = bounds
        self.unit = unit.isEmpty ? "" : " " + unit
    }

    var text: String { "\(bounds.lowerBound) to \(bounds.upperBound)\(unit)" }

    /// The option's help with its range (`list`: of each element of a comma-separated list) and its default
    /// appended (ArgumentParser shows no default for an option parsed by a transform).
    func help(_ abstract: String, default value: Value? = nil, valueName: String? = nil, list: Bool = false) -> ArgumentHelp {
        ArgumentHelp("\(abstract) Range: \(text)\(list ? " each" : "").\(value.map { " (default: \($0))" } ?? "")",
                     valueName: valueName)
    }

    /// Parses one value (NaN and infinities are outside every range).
    func parse(_ argument: String) throws -> Value {
        guard let value = Value(argument), bounds.contains(value) else { throw OutOfRange(expected: expected) }
        return value
    }

    /// Parses a comma-separated list whose every element is in the range.
    func parseList(_ argument: String) throws -> [Value] {
        let values = argument.split(separator: ",", omittingEmptySubsequences: false).map { Value(String($0)) }
        guard !values.isEmpty, values.allSatisfy({ $0.map(bounds.contains) == true }) else {
            throw OutOfRange(expected: "a comma-separated list of \(isInteger ? "whole numbers" : "numbers") from \(text)")
        }
        return values.map { $0! }
    }

    private var isInteger: Bool { Value.self is any BinaryInteger.Type }
    private var expected: String { (isInteger ? "a whole number" : "a number") + " from \(text)" }
}

/// The reason ArgumentParser appends to "The value 'X' is invalid for '--option <name>'".
struct OutOfRange: Error, CustomStringConvertible {
    let expected: String
    var description: String { "expected \(expected)" }
}

/// The ranges shared by several commands.
enum OptionRanges {
    /// Memory for the event-time sort, MiB: it is reserved up front, so it must fit this machine.
    static let sortMemory = NumericRange(1...65_536, unit: "MiB")
    static let seed = NumericRange<UInt64>(0...UInt64.max)
    /// The longest CSV record read as one; a longer one is a dead letter.
    static let maxRecordBytes = NumericRange(1...(1 << 30), unit: "bytes")

    /// The sort reserves its memory at once: more than the machine has would abort the process.
    static func checkSortMemoryFits(_ mib: Int) throws {
        let available = ProcessInfo.processInfo.physicalMemory >> 20
        guard UInt64(mib) <= available else {
            throw ValidationError("--sort-memory \(mib) MiB is more than this machine's memory (\(available) MiB)")
        }
    }
}
