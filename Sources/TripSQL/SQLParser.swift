import TripCore

/// Recursive descent over the tokens of one SELECT. It accepts a little more than the language (any
/// function name, any expression where a column is expected) so that `QueryAnalyzer` can say precisely
/// what is wrong; what the grammar cannot hold is refused here, naming the construct.
struct SQLParser {
    private var tokens: [SQLToken]
    private var k = 0
    private var depth = 0

    /// Deeper nesting of parentheses or NOTs is refused: it is never a real query, and recursion needs a bound.
    static let maxDepth = 64

    static func parse(_ text: String) throws(SQLError) -> SQLSelect {
        var parser = SQLParser(tokens: SQLLexer.tokens(text))
        return try parser.statement()
    }

    private init(tokens: [SQLToken]) { self.tokens = tokens }

    // MARK: Tokens

    /// The current token; an invalid one is reported here, when the parse reaches it.
    private func current() throws(SQLError) -> SQLToken {
        let token = tokens[k]
        if token.kind == .invalid { throw SQLError(token.text, at: token.position) }
        return token
    }

    private var following: SQLToken? { k + 1 < tokens.count ? tokens[k + 1] : nil }

    private mutating func advance() { if k < tokens.count - 1 { k += 1 } }

    private mutating func accept(word: String) throws(SQLError) -> Bool {
        guard try current().isWord(word) else { return false }
        advance()
        return true
    }

    private mutating func accept(symbol: String) throws(SQLError) -> Bool {
        guard try current().isSymbol(symbol) else { return false }
        advance()
        return true
    }

    private mutating func expect(word: String) throws(SQLError) {
        guard try accept(word: word) else { throw try unexpected(expected: word.uppercased()) }
    }

    private mutating func expect(symbol: String) throws(SQLError) {
        guard try accept(symbol: symbol) else { throw try unexpected(expected: "'\(symbol)'") }
    }

    private mutating func name(_ what: String) throws(SQLError) -> SQLName {
        let token = try current()
        guard token.kind == .word, !SQLKeywords.reserved.contains(token.text) else {
            throw try unexpected(expected: what)
        }
        advance()
        return SQLName(text: token.text, position: token.position)
    }

    /// The error for the current token where `expected` should be; an unsupported keyword is named as such.
    private func unexpected(expected: String) throws(SQLError) -> SQLError {
        let token = try current()
        if token.kind == .word, let construct = SQLKeywords.unsupported[token.text] {
            return SQLError("\(construct) is not supported", at: token.position)
        }
        let found = switch token.kind {
        case .end: "the end of the query"
        case .string: "a string"
        case .number: "the number \(token.text.shortenedForMessage(limit: 40))"
        default: "'\(token.text.shortenedForMessage(limit: 40))'"
        }
        return SQLError("expected \(expected), found \(found)", at: token.position)
    }

    // MARK: Statement

    private mutating func statement() throws(SQLError) -> SQLSelect {
        try expect(word: "select")
        if try current().isSymbol("*") {
            throw SQLError("'*' in the select list is not supported", at: try current().position,
                           hint: "name the output columns")
        }
        var items = [try selectItem()]
        while try accept(symbol: ",") { items.append(try selectItem()) }
        try expect(word: "from")
        let source = try windowSource()
        let filter = try accept(word: "where") ? try expression() : nil
        var groupBy: [SQLExpression] = []
        if try accept(word: "group") {
            try expect(word: "by")
            groupBy.append(try expression())
            while try accept(symbol: ",") { groupBy.append(try expression()) }
        }
        _ = try accept(symbol: ";")
        let end = try current()
        guard end.kind == .end else {
            throw try unexpected(expected: groupBy.isEmpty ? (filter == nil ? "WHERE, GROUP BY" : "GROUP BY")
                                     + " or the end of the query" : "',' or the end of the query")
        }
        return SQLSelect(items: items, source: source, filter: filter, groupBy: groupBy, end: end.position)
    }

    private mutating func selectItem() throws(SQLError) -> SQLSelectItem {
        let expression = try expression()
        let alias = try accept(word: "as") ? try name("an output name") : nil
        if alias == nil, let token = try? current(), token.kind == .word, !SQLKeywords.reserved.contains(token.text) {
            throw SQLError("expected ',' or FROM, found '\(token.text.shortenedForMessage(limit: 40))'",
                           at: token.position, hint: "name an output with AS")
        }
        return SQLSelectItem(expression: expression, alias: alias)
    }

    private mutating func windowSource() throws(SQLError) -> SQLWindowSource {
        if try current().isSymbol("("), let next = following, next.isWord("select") {
            throw SQLError("subqueries are not supported", at: next.position)
        }
        let function = try name("TUMBLE(…) or HOP(…)")
        guard try current().isSymbol("(") else {
            throw SQLError("FROM needs a window over the stream, not '\(function.text.shortenedForMessage(limit: 40))'",
                           at: function.position,
                           hint: "FROM TUMBLE(trips, time column, size) or HOP(trips, time column, slide, size)")
        }
        advance()
        let table = try name("the stream 'trips'")
        try expect(symbol: ",")
        let timeColumn = try name("a time column")
        var intervals: [SQLInterval] = []
        while try accept(symbol: ",") { intervals.append(try interval()) }
        try expect(symbol: ")")
        return SQLWindowSource(function: function, table: table, timeColumn: timeColumn, intervals: intervals)
    }

    /// `INTERVAL '15' MINUTE`: a whole number in quotes and a unit, singular or plural (as Flink accepts both).
    private mutating func interval() throws(SQLError) -> SQLInterval {
        let start = try current().position
        guard try accept(word: "interval") else { throw try unexpected(expected: "an interval such as INTERVAL '15' MINUTE") }
        let amount = try current()
        guard amount.kind == .string else {
            throw SQLError("expected the interval's number in quotes", at: amount.position,
                           hint: "for example INTERVAL '15' MINUTE")
        }
        guard !amount.text.isEmpty, amount.text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw SQLError("expected a whole number of units, found '\(amount.text.shortenedForMessage(limit: 40))'",
                           at: amount.position, hint: "for example INTERVAL '15' MINUTE")
        }
        advance()
        let unit = try current()
        guard unit.kind == .word, let scale = SQLKeywords.intervalUnits[unit.text] else {
            throw SQLError("expected an interval unit", at: unit.position, hint: "SECOND, MINUTE, HOUR or DAY")
        }
        advance()
        let limit = SQLKeywords.maxIntervalMilliseconds
        guard amount.text.utf8.count <= 12, let n = Int64(amount.text), n <= limit / scale else {
            throw SQLError("interval out of range (at most 100 years)", at: amount.position)
        }
        return SQLInterval(milliseconds: n * scale, position: start, inDays: scale == QueryAnalyzer.day)
    }

    // MARK: Expressions (OR < AND < NOT < comparison, as in SQL)

    private mutating func expression() throws(SQLError) -> SQLExpression {
        try nested(at: try current().position)
        defer { depth -= 1 }
        var operands = [try conjunction()]
        while try accept(word: "or") { operands.append(try conjunction()) }
        return operands.count == 1 ? operands[0] : .or(operands)
    }

    private mutating func nested(at position: SQLPosition) throws(SQLError) {
        depth += 1
        if depth > Self.maxDepth {
            throw SQLError("expression nested too deeply (more than \(Self.maxDepth) levels)", at: position)
        }
    }

    private mutating func conjunction() throws(SQLError) -> SQLExpression {
        var operands = [try negation()]
        while try accept(word: "and") { operands.append(try negation()) }
        return operands.count == 1 ? operands[0] : .and(operands)
    }

    private mutating func negation() throws(SQLError) -> SQLExpression {
        let start = try current().position
        guard try accept(word: "not") else { return try predicate() }
        try nested(at: start)
        defer { depth -= 1 }
        return .not(try negation(), start)
    }

    private mutating func predicate() throws(SQLError) -> SQLExpression {
        let left = try primary()
        let token = try current()
        if token.kind == .symbol, let op = SQLKeywords.comparisons[token.text] {
            advance()
            return .comparison(left, op, try primary(), token.position)
        }
        if token.kind == .symbol, ["+", "-", "*", "/", "%"].contains(token.text) {
            throw SQLError("arithmetic ('\(token.text)') is not supported", at: token.position)
        }
        if try accept(word: "is") {
            let negated = try accept(word: "not")
            try expect(word: "null")
            return .isNull(left, negated: negated)
        }
        if token.isWord("not"), let next = following, next.isWord("in") {
            advance()
        }
        guard try accept(word: "in") else { return left }
        try expect(symbol: "(")
        if try current().isWord("select") { throw SQLError("subqueries are not supported", at: try current().position) }
        var list = [try primary()]
        while try accept(symbol: ",") { list.append(try primary()) }
        try expect(symbol: ")")
        return .inList(left, list, negated: token.isWord("not"))
    }

    private mutating func primary() throws(SQLError) -> SQLExpression {
        let token = try current()
        switch token.kind {
        case .number:
            advance()
            return .number(token.text, negative: false, token.position)
        case .string:
            advance()
            return .string(token.text, token.position)
        case .symbol where token.text == "(":
            advance()
            if try current().isWord("select") { throw SQLError("subqueries are not supported", at: try current().position) }
            let inner = try expression()
            try expect(symbol: ")")
            return inner
        case .symbol where token.text == "-":
            if let next = following, next.kind == .number {
                advance()
                advance()
                return .number(next.text, negative: true, token.position)
            }
        case .word where token.text == "null":
            advance()
            return .null(token.position)
        case .word where token.text == "interval":
            throw SQLError("INTERVAL is only allowed in TUMBLE and HOP", at: token.position)
        case .word where !SQLKeywords.reserved.contains(token.text):
            advance()
            let name = SQLName(text: token.text, position: token.position)
            guard try accept(symbol: "(") else { return .column(name) }
            return .call(name, try arguments())
        default:
            break
        }
        throw try unexpected(expected: "a column, a literal or a function call")
    }

    /// A call's arguments after its `(`, up to and including the `)`; `*` is one (for COUNT(*)).
    private mutating func arguments() throws(SQLError) -> [SQLExpression] {
        var list: [SQLExpression] = []
        if try accept(symbol: ")") { return list }
        repeat {
            let token = try current()
            if token.isSymbol("*") {
                advance()
                list.append(.star(token.position))
            } else {
                list.append(try expression())
            }
        } while try accept(symbol: ",")
        try expect(symbol: ")")
        return list
    }
}
