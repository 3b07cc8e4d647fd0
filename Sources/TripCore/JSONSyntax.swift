import Foundation

/// Checks that bytes are exactly one strict JSON value (RFC 8259: no trailing commas, comments, leading zeros
/// or bare words) and says where they are not. Foundation's parser accepts a trailing comma and reports no
/// position, so configuration files are checked here before it decodes them.
public enum JSONSyntax {
    /// Where the text stops being JSON (1-based; columns count characters) and what would have been valid there.
    public struct Error: Swift.Error, CustomStringConvertible, Equatable {
        public let line: Int
        public let column: Int
        public let expected: String
        public var description: String { "line \(line), column \(column): expected \(expected)" }
    }

    /// Deeper nesting is refused rather than risking the stack (configurations nest three levels).
    public static let maxDepth = 256

    public static func check(_ data: Data) throws {
        try data.withUnsafeBytes { raw in
            var scanner = Scanner(bytes: raw.bindMemory(to: UInt8.self))
            // A UTF-8 byte order mark, as some editors write one.
            if scanner.bytes.starts(with: [0xEF, 0xBB, 0xBF]) { scanner.i = 3 }
            scanner.skipSpace()
            try scanner.value(depth: 0)
            scanner.skipSpace()
            if scanner.i < scanner.bytes.count { throw scanner.error("the end of the input") }
        }
    }

    struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var i = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        var current: UInt8? { i < bytes.count ? bytes[i] : nil }

        mutating func skipSpace() {
            while let b = current, b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D { i += 1 }
        }

        func error(_ expected: String, at offset: Int? = nil) -> Error {
            let end = min(offset ?? i, bytes.count)
            var line = 1, column = 1
            for b in bytes[0..<end] {
                if b == 0x0A {
                    line += 1
                    column = 1
                } else if b & 0xC0 != 0x80 {  // not a UTF-8 continuation byte: a new character
                    column += 1
                }
            }
            return Error(line: line, column: column, expected: expected)
        }

        mutating func value(depth: Int) throws {
            guard depth < maxDepth else { throw error("at most \(maxDepth) levels of nested arrays and objects") }
            switch current ?? 0 {
            case UInt8(ascii: "{"): try object(depth: depth)
            case UInt8(ascii: "["): try array(depth: depth)
            case UInt8(ascii: "\""): try string()
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: throw error("a value (object, array, string, number, true, false or null)")
            }
        }

        mutating func object(depth: Int) throws {
            i += 1
            skipSpace()
            if current == UInt8(ascii: "}") { i += 1; return }
            var afterComma = false
            while true {
                guard current == UInt8(ascii: "\"") else {
                    throw error(afterComma ? "a string key after ',' (JSON allows no trailing comma)" : "a string key or '}'")
                }
                try string()
                skipSpace()
                guard current == UInt8(ascii: ":") else { throw error("':' after the key") }
                i += 1
                skipSpace()
                try value(depth: depth + 1)
                skipSpace()
                switch current {
                case UInt8(ascii: ","): i += 1; skipSpace(); afterComma = true
                case UInt8(ascii: "}"): i += 1; return
                default: throw error("',' or '}'")
                }
            }
        }

        mutating func array(depth: Int) throws {
            i += 1
            skipSpace()
            if current == UInt8(ascii: "]") { i += 1; return }
            while true {
                if current == UInt8(ascii: "]") { throw error("a value after ',' (JSON allows no trailing comma)") }
                try value(depth: depth + 1)
                skipSpace()
                switch current {
                case UInt8(ascii: ","): i += 1; skipSpace()
                case UInt8(ascii: "]"): i += 1; return
                default: throw error("',' or ']'")
                }
            }
        }

        mutating func string() throws {
            let start = i
            i += 1
            while let b = current {
                switch b {
                case UInt8(ascii: "\""):
                    i += 1
                    return
                case UInt8(ascii: "\\"):
                    i += 1
                    guard let e = current, Array(#""\/bfnrtu"#.utf8).contains(e) else {
                        throw error("an escape: \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX")
                    }
                    i += 1
                    if e == UInt8(ascii: "u") {
                        for _ in 0..<4 {
                            guard let h = current, h.isHexDigit else { throw error("four hexadecimal digits after \\u") }
                            i += 1
                        }
                    }
                case 0..<0x20:
                    throw error("'\"' to close the string (control characters must be escaped)")
                default:
                    i += 1
                }
            }
            throw error("'\"' to close the string that starts at column \(error("", at: start).column)")
        }

        mutating func number() throws {
            if current == UInt8(ascii: "-") { i += 1 }
            if current == UInt8(ascii: "0") {
                i += 1
            } else {
                try digits()
            }
            if current == UInt8(ascii: ".") {
                i += 1
                try digits()
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                i += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { i += 1 }
                try digits()
            }
        }

        mutating func digits() throws {
            guard let b = current, b.isDigit else { throw error("a digit") }
            while let b = current, b.isDigit { i += 1 }
        }

        mutating func literal(_ word: String) throws {
            let start = i
            for expected in word.utf8 {
                guard current == expected else { throw error("a value (object, array, string, number, true, false or null)", at: start) }
                i += 1
            }
        }
    }
}

extension UInt8 {
    fileprivate var isDigit: Bool { self >= 0x30 && self <= 0x39 }
    fileprivate var isHexDigit: Bool { isDigit || (self | 0x20 >= 0x61 && self | 0x20 <= 0x66) }
}
