import TripCore

/// One token of the SQL text.
struct SQLToken: Equatable {
    enum Kind: Equatable {
        /// An identifier or keyword, lowercased (both are case-insensitive).
        case word
        /// Digits with an optional fraction (`12`, `10.50`); a sign is the parser's.
        case number
        /// A single-quoted string, `''` read as one quote.
        case string
        /// Punctuation or an operator: `( ) , ; * = <> != < <= > >= + - / %`.
        case symbol
        /// Something no token starts with; `text` says what is wrong. The parser reports it when it gets there,
        /// so errors come in text order.
        case invalid
        case end
    }
    var kind: Kind
    var text: String
    var position: SQLPosition

    func isWord(_ w: String) -> Bool { kind == .word && text == w }
    func isSymbol(_ s: String) -> Bool { kind == .symbol && text == s }
}

/// Splits SQL into tokens at byte level; `--` comments and white space separate them.
struct SQLLexer {
    private let bytes: [UInt8]
    private var i = 0
    private var line = 1
    private var column = 1

    init(_ text: String) { bytes = Array(text.utf8) }

    /// Every token up to and including `.end`, or up to the first `.invalid` one.
    static func tokens(_ text: String) -> [SQLToken] {
        var lexer = SQLLexer(text)
        var out: [SQLToken] = []
        repeat { out.append(lexer.next()) } while out.last!.kind != .end && out.last!.kind != .invalid
        return out
    }

    private var position: SQLPosition { SQLPosition(line: line, column: column) }

    private func peek(_ offset: Int = 0) -> UInt8? { i + offset < bytes.count ? bytes[i + offset] : nil }

    /// Moves past one byte; the column counts characters, so UTF-8 continuation bytes do not move it.
    private mutating func advance() {
        if bytes[i] == 0x0A {
            line += 1
            column = 1
        } else if bytes[i] & 0xC0 != 0x80 {
            column += 1
        }
        i += 1
    }

    private mutating func skipSpaceAndComments() {
        while let b = peek() {
            if b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D {
                advance()
            } else if b == 0x2D && peek(1) == 0x2D {  // -- to the end of the line
                while let c = peek(), c != 0x0A { advance() }
            } else {
                return
            }
        }
    }

    mutating func next() -> SQLToken {
        skipSpaceAndComments()
        let start = position
        guard let b = peek() else { return SQLToken(kind: .end, text: "", position: start) }
        if Self.isLetter(b) || b == 0x5F {
            let from = i
            while let c = peek(), Self.isLetter(c) || Self.isDigit(c) || c == 0x5F { advance() }
            return SQLToken(kind: .word, text: String(decoding: bytes[from..<i], as: UTF8.self).lowercased(),
                            position: start)
        }
        if Self.isDigit(b) {
            let from = i
            while let c = peek(), Self.isDigit(c) { advance() }
            if peek() == 0x2E, let c = peek(1), Self.isDigit(c) {
                advance()
                while let c = peek(), Self.isDigit(c) { advance() }
            }
            return SQLToken(kind: .number, text: String(decoding: bytes[from..<i], as: UTF8.self), position: start)
        }
        if b == 0x27 { return string(start) }
        if b == 0x2F && peek(1) == 0x2A {
            return SQLToken(kind: .invalid, text: "block comments are not supported (use --)", position: start)
        }
        for symbol in Self.symbols where matches(symbol) {
            for _ in symbol.utf8 { advance() }
            return SQLToken(kind: .symbol, text: symbol, position: start)
        }
        return SQLToken(kind: .invalid, text: invalidReason(b), position: start)
    }

    /// A single-quoted string; `''` inside is one quote. Unterminated: an invalid token at the opening quote.
    private mutating func string(_ start: SQLPosition) -> SQLToken {
        advance()
        var content: [UInt8] = []
        while let c = peek() {
            advance()
            if c != 0x27 {
                content.append(c)
            } else if peek() == 0x27 {
                advance()
                content.append(c)
            } else {
                return SQLToken(kind: .string, text: String(decoding: content, as: UTF8.self), position: start)
            }
        }
        return SQLToken(kind: .invalid, text: "unterminated string literal", position: start)
    }

    /// Longer operators first, so `<=` is not read as `<` then `=`.
    private static let symbols = ["<>", "!=", "<=", ">=", "(", ")", ",", ";", "*", "=", "<", ">", "+", "-", "/", "%"]

    private func matches(_ symbol: String) -> Bool {
        var k = 0
        for s in symbol.utf8 {
            guard peek(k) == s else { return false }
            k += 1
        }
        return true
    }

    private func invalidReason(_ b: UInt8) -> String {
        switch b {
        case 0x22: return "double quotes are not supported (strings take single quotes, names none)"
        case 0x2E: return "'.' is not supported (qualified names and numbers like .5 are not part of the language)"
        default:
            var end = i + 1
            while end < bytes.count && bytes[end] & 0xC0 == 0x80 { end += 1 }
            let character = String(decoding: bytes[i..<end], as: UTF8.self)
            return b < 0x20 || b == 0x7F ? "unexpected control character \(b)" : "unexpected character '\(character)'"
        }
    }

    private static func isLetter(_ b: UInt8) -> Bool { (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7A }
    private static func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
}
