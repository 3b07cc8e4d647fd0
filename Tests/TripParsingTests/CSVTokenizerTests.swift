import Testing
import TripParsing

@Suite struct CSVTokenizerTests {
    @Test func plainFieldsAndLineEnds() throws {
        let r = tokenize("a,b,c\nd,,f\r\ng,h,i")
        #expect(r.count == 3)
        #expect(try r[0].get() == ["a", "b", "c"])
        #expect(try r[1].get() == ["d", "", "f"])
        #expect(try r[2].get() == ["g", "h", "i"])  // no trailing newline
    }

    @Test func quotedFieldsWithCommasQuotesAndNewlines() throws {
        let r = tokenize("1,\"Taxicab Insurance Agency, LLC\",x\n2,\"5 Star \"\"Elite\"\" Cab\",y\n3,\"two\nlines\",z\n")
        #expect(try r[0].get() == ["1", "Taxicab Insurance Agency, LLC", "x"])
        #expect(try r[1].get() == ["2", "5 Star \"Elite\" Cab", "y"])
        #expect(try r[2].get() == ["3", "two\nlines", "z"])
    }

    @Test func emptyTrailingFieldAndEmptyQuoted() throws {
        let r = tokenize("a,b,\n\"\",c,\"\"\r\n")
        #expect(try r[0].get() == ["a", "b", ""])
        #expect(try r[1].get() == ["", "c", ""])
    }

    @Test func blankLinesAreSkipped() throws {
        let r = tokenize("a,b\n\n\r\nc,d\n\n")
        #expect(r.count == 2)
        #expect(try r[1].get() == ["c", "d"])
    }

    @Test func quoteInsideUnquotedFieldIsMalformedAndResyncsAtLineEnd() throws {
        let r = tokenize("a,b\"c,d\ne,f,g\n")
        #expect(r.count == 2)
        #expect(r[0] == .failure(MalformedRecord(reason: "a quote inside unquoted field 2", raw: "a,b\"c,d")))
        #expect(try r[1].get() == ["e", "f", "g"])
    }

    @Test func textAfterClosingQuoteIsMalformed() throws {
        let r = tokenize("\"a\"x,b\r\nc,d\r\n")
        #expect(r[0] == .failure(MalformedRecord(reason: "characters after the closing quote of field 1", raw: "\"a\"x,b")))
        #expect(try r[1].get() == ["c", "d"])
    }

    @Test func unterminatedQuoteAtEOFCutsAtFirstLine() throws {
        let r = tokenize("a,\"bc\nd,e\n")
        #expect(r[0] == .failure(MalformedRecord(reason: "unterminated quoted field", raw: "a,\"bc")))
        #expect(try r[1].get() == ["d", "e"])
    }

    @Test func overlongQuotedFieldIsTakenAsUnterminated() throws {
        let body = String(repeating: "x", count: 100)
        let r = tokenize("a,\"\(body)\n" + String(repeating: "q,r\n", count: 50) + "\"", maxRecordBytes: 64)
        #expect(r[0] == .failure(MalformedRecord(reason: "unterminated quoted field", raw: "a,\"\(body)")))
        #expect(try r[1].get() == ["q", "r"])
    }

    /// Records split across buffer refills must come out the same as from one buffer.
    @Test func needMoreAcrossChunkBoundaries() throws {
        let text = "h1,h2\n\"a,1\",b\r\nc,\"d\"\"e\"\nf,g"
        let bytes = Array(text.utf8)
        for cut in 1..<bytes.count {
            var tokenizer = CSVTokenizer()
            var rows: [[String]] = []
            var start = 0
            var visible = cut
            while start < bytes.count {
                let atEOF = visible == bytes.count
                let step: CSVScan = bytes.withUnsafeBytes { all in
                    tokenizer.scan(UnsafeRawBufferPointer(rebasing: all[0..<visible]), from: start, atEOF: atEOF)
                }
                switch step {
                case .needMore:
                    #expect(!atEOF)
                    visible = min(bytes.count, visible + 1)
                case .record(let end, let next):
                    rows.append(bytes.withUnsafeBytes { all in
                        let rec = UnsafeRawBufferPointer(rebasing: all[start..<end])
                        return tokenizer.fields.map { $0.string(in: rec) }
                    })
                    start = next
                case .blank(let next): start = next
                case .malformed: Issue.record("unexpected malformed at cut \(cut)"); return
                }
            }
            #expect(rows == [["h1", "h2"], ["a,1", "b"], ["c", "d\"e"], ["f", "g"]], "cut at \(cut)")
        }
    }
}
