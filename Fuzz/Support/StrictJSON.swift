/// RFC 8259 JSON grammar, nothing more lenient: no trailing commas, comments, single quotes, bare words,
/// leading zeros, or text after the value. Whether `bytes` is one valid JSON text.
struct StrictJSON {
    let b: [UInt8]
    var i = 0

    static func isValid(_ bytes: [UInt8]) -> Bool {
        var p = StrictJSON(b: bytes)
        p.space()
        guard p.value(depth: 0) else { return false }
        p.space()
        return p.i == bytes.count
    }

    mutating func space() { while i < b.count && (b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D) { i += 1 } }

    mutating func eat(_ c: UInt8) -> Bool {
        guard i < b.count && b[i] == c else { return false }
        i += 1
        return true
    }

    mutating func literal(_ word: String) -> Bool {
        let w = Array(word.utf8)
        guard b.count - i >= w.count && Array(b[i..<i + w.count]) == w else { return false }
        i += w.count
        return true
    }

    mutating func value(depth: Int) -> Bool {
        guard depth < 512, i < b.count else { return false }
        switch b[i] {
        case 0x7B: return container(close: 0x7D, depth: depth, keyed: true)
        case 0x5B: return container(close: 0x5D, depth: depth, keyed: false)
        case 0x22: return string()
        case 0x74: return literal("true")
        case 0x66: return literal("false")
        case 0x6E: return literal("null")
        default: return number()
        }
    }

    mutating func container(close: UInt8, depth: Int, keyed: Bool) -> Bool {
        i += 1
        space()
        if eat(close) { return true }
        while true {
            space()
            if keyed {
                guard i < b.count && b[i] == 0x22 && string() else { return false }
                space()
                guard eat(0x3A) else { return false }
                space()
            }
            guard value(depth: depth + 1) else { return false }
            space()
            if eat(close) { return true }
            guard eat(0x2C) else { return false }
        }
    }

    mutating func string() -> Bool {
        i += 1
        while i < b.count {
            let c = b[i]
            if c == 0x22 { i += 1; return true }
            if c < 0x20 { return false }
            if c == 0x5C {
                i += 1
                guard i < b.count else { return false }
                if b[i] == 0x75 {
                    guard b.count - i > 4, b[i + 1..<i + 5].allSatisfy({ isHex($0) }) else { return false }
                    i += 5
                    continue
                }
                guard [0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74].contains(b[i]) else { return false }
            }
            i += 1
        }
        return false
    }

    func isHex(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x66) }
    func isDigit(_ k: Int) -> Bool { k < b.count && b[k] >= 0x30 && b[k] <= 0x39 }

    mutating func number() -> Bool {
        _ = eat(0x2D)
        guard isDigit(i) else { return false }
        if b[i] == 0x30 { i += 1 } else { while isDigit(i) { i += 1 } }
        if eat(0x2E) {
            guard isDigit(i) else { return false }
            while isDigit(i) { i += 1 }
        }
        if i < b.count && b[i] | 0x20 == 0x65 {
            i += 1
            if !eat(0x2B) { _ = eat(0x2D) }
            guard isDigit(i) else { return false }
            while isDigit(i) { i += 1 }
        }
        return true
    }
}
