import Testing
@testable import TripSQL

@Suite struct SQLLexerTests {
    func tokens(_ text: String) -> [(SQLToken.Kind, String, Int, Int)] {
        SQLLexer.tokens(text).map { ($0.kind, $0.text, $0.position.line, $0.position.column) }
    }

    @Test func tokensCarryKindTextAndLineColumn() {
        let got = tokens("Select fare>=10.50, 'it''s Café' -- note\n  FROM\t<> != ;")
        let expected: [(SQLToken.Kind, String, Int, Int)] = [
            (.word, "select", 1, 1), (.word, "fare", 1, 8), (.symbol, ">=", 1, 12), (.number, "10.50", 1, 14),
            (.symbol, ",", 1, 19), (.string, "it's Café", 1, 21), (.word, "from", 2, 3), (.symbol, "<>", 2, 8),
            (.symbol, "!=", 2, 11), (.symbol, ";", 2, 14), (.end, "", 2, 15),
        ]
        #expect(got.count == expected.count)
        for (g, e) in zip(got, expected) { #expect(g == e) }
    }

    @Test func aBadCharacterEndsTheTokensWithAnInvalidOne() {
        let got = tokens("a €b c")
        #expect(got.count == 2)
        #expect(got[1] == (.invalid, "unexpected character '€'", 1, 3))
    }

    @Test func aNumberNeedsADigitAfterItsPoint() {
        #expect(tokens("1.5 2.").map(\.1) == ["1.5", "2", "'.' is not supported (qualified names and numbers like .5 are not part of the language)"])
    }
}
