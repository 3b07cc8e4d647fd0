import Testing
import TripParsing
import TripFixtures

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

    /// RFC 4180: a quote never closed holds everything after it, line ends included, to the end of the input.
    @Test func unterminatedQuoteRunsToTheEndOfTheInput() throws {
        let r = tokenize("a,\"bc\nd,e\n")
        #expect(r == [.failure(MalformedRecord(reason: "unterminated quoted field", raw: "a,\"bc\nd,e\n"))])
    }

    /// A lone CR ends a record (old Mac line ends), and CR CR LF is a record end and a blank line.
    @Test func loneCRAndCRCRLFEndRecords() throws {
        let r = tokenize("a,b\rc,\"d\re\"\r\r\nf,g\r\r\n")
        #expect(r.count == 3)
        #expect(try r[0].get() == ["a", "b"])
        #expect(try r[1].get() == ["c", "d\re"])
        #expect(try r[2].get() == ["f", "g"])
    }

    /// Tokenizes `bytes` as a reader would: only the first `visible` bytes are there at first, and each
    /// `.needMore` makes `more()` further bytes visible. The records' fields, or nil after a malformed one.
    func tokenizeInChunks(_ bytes: [UInt8], visible first: Int, more: () -> Int) -> [[String]]? {
        var tokenizer = CSVTokenizer()
        var rows: [[String]] = []
        var start = 0
        var visible = first
        while start < bytes.count {
            let atEOF = visible == bytes.count
            let step: CSVScan = bytes.withUnsafeBytes { all in
                tokenizer.scan(UnsafeRawBufferPointer(rebasing: all[0..<visible]), from: start, atEOF: atEOF)
            }
            switch step {
            case .needMore:
                #expect(!atEOF)
                visible = min(bytes.count, visible + more())
            case .record(let end, let next):
                rows.append(bytes.withUnsafeBytes { all in
                    tokenizer.fields.map { $0.string(in: UnsafeRawBufferPointer(rebasing: all[start..<end])) }
                })
                start = next
            case .blank(let next): start = next
            case .malformed: return nil
            }
        }
        return rows
    }

    /// Records split across buffer refills must come out the same as from one buffer.
    @Test func needMoreAcrossChunkBoundaries() throws {
        let bytes = Array("h1,h2\n\"a,1\",b\r\nc,\"d\"\"e\"\nf,g".utf8)
        for cut in 1..<bytes.count {
            #expect(tokenizeInChunks(bytes, visible: cut, more: { 1 }) == [["h1", "h2"], ["a,1", "b"], ["c", "d\"e"], ["f", "g"]],
                    "cut at \(cut)")
        }
    }

    /// Random valid documents (long fields spanning the 64-byte blocks, quotes, escaped quotes, line breaks
    /// inside quotes, CRLF, LF and lone CR line ends, blank lines, no final line end) come out as generated,
    /// whether read whole or fed in random chunk sizes: the block scan and the byte scan must agree.
    @Test func randomDocumentsInWholeAndInChunks() throws {
        var rng = SplitMix64(seed: 42)
        for round in 0..<300 {
            let (text, expected) = randomDocument(&rng)
            let whole = tokenize(text).map { try? $0.get() }
            #expect(whole == expected.map { Optional($0) }, "round \(round) whole: \(text.debugDescription)")
            let bytes = Array(text.utf8)
            let rows = tokenizeInChunks(bytes, visible: min(bytes.count, 1 + Int(rng.next() % 200)),
                                        more: { 1 + Int(rng.next() % 200) })
            #expect(rows == expected, "round \(round) in chunks: \(text.debugDescription)")
        }
    }

    func randomDocument(_ rng: inout SplitMix64) -> (String, [[String]]) {
        let plain = Array("abcXYZ019 .:$/-()")
        var text = ""
        var records: [[String]] = []
        for r in 0..<(1 + Int(rng.next() % 12)) {
            if rng.next() % 6 == 0 { text += rng.next() % 2 == 0 ? "\n" : "\r\n" }  // a blank line
            var fields: [String] = []
            let n = 1 + Int(rng.next() % 40)  // past the 32 fields of room: the storage grows
            for f in 0..<n {
                if f > 0 { text += "," }
                let length = Int(rng.next() % (rng.next() % 4 == 0 ? 150 : 20))
                if rng.next() % 8 == 0 {
                    var value = ""
                    for _ in 0..<length {
                        switch rng.next() % 12 {
                        case 0: value += ","
                        case 1: value += "\""
                        case 2: value += "\n"
                        case 3: value += "\r\n"
                        default: value.append(plain[Int(rng.next() % UInt64(plain.count))])
                        }
                    }
                    text += "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
                    fields.append(value)
                } else {
                    var value = ""
                    for _ in 0..<length {
                        value.append(plain[Int(rng.next() % UInt64(plain.count))])
                    }
                    text += value
                    fields.append(value)
                }
            }
            if fields == [""] { text += "x"; fields = ["x"] }  // an empty line is blank, not a record
            records.append(fields)
            let last = r == 11 || rng.next() % 5 == 0
            if !last || rng.next() % 2 == 0 { text += ["\r\n", "\n", "\r"][Int(rng.next() % 3)] }
            if last { break }
        }
        return (text, records)
    }
}
