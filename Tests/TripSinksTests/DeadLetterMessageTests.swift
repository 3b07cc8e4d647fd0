import Foundation
import Testing
import TripCore
@testable import TripSinks

/// The dead-letter topic's value: unchanged for ordinary records, capped and still valid JSON for others.
@Suite struct DeadLetterMessageTests {
    func parse(_ value: [UInt8]) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(value)) as? [String: Any])
    }

    @Test func anOrdinaryRecordGivesTheSameFieldsAsAlways() throws {
        let d = DeadLetter(query: nil, offset: 7, reason: "bad \"fare\"", raw: "a,b\tc")
        let value = String(decoding: DeadLetterMessage.value(d, tenant: "t", source: "in[0]"), as: UTF8.self)
        #expect(value == #"{"tenant":"t","source":"in[0]","position":7,"query":"","reason":"bad \"fare\"","detail":"","raw":"a,b\tc"}"#)
    }

    @Test func aLongRecordIsCutOnACharacter() throws {
        let raw = String(repeating: "é", count: 40_000)  // 80 000 bytes, 2 per character
        let m = try parse(DeadLetterMessage.value(DeadLetter(query: nil, offset: 1, reason: "r", raw: raw), tenant: "t", source: "s"))
        let prefix = try #require(m["raw"] as? String)
        #expect(prefix.utf8.count == 65_536 && prefix.allSatisfy { $0 == "é" })
        #expect((m["raw_bytes"] as? NSNumber)?.intValue == 80_000)
        #expect(m["raw_base64"] == nil)
    }

    @Test func bytesThatAreNotUTF8AreCappedInBase64Too() throws {
        let bytes = [UInt8](repeating: 0x80, count: 70_000)
        let raw = bytes.withUnsafeBytes { DeadLetter.raw(of: $0) }
        #expect(raw.bytes == bytes)
        let m = try parse(DeadLetterMessage.value(DeadLetter(query: nil, offset: 1, reason: "r", raw: raw.text, rawBytes: raw.bytes),
                                                  tenant: "t", source: "s"))
        #expect((m["raw_base64"] as? String).flatMap { Data(base64Encoded: $0) }?.count == 65_536)
        #expect((m["raw_bytes"] as? NSNumber)?.intValue == 70_000)
    }

    @Test func sha256MatchesTheStandardVectors() {
        #expect(SHA256.hex([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        // 56 bytes: the padding takes a second block.
        #expect(SHA256.hex(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }
}
