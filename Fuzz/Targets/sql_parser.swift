// fuzz-modules: TripCore TripSQL
// fuzz-max-len: 2048
import TripCore
import TripSQL

// The streaming-SQL front end on arbitrary text: a query value or an SQLError with a message whose line:column
// lies within the input (a column at most one past its line's last character), never a crash; and a value's
// normalizedSQL compiles to the same value and normalizes to itself (the configuration fingerprint hashes it).
// Input: the SQL text (bytes that are not UTF-8 read as U+FFFD).

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSQLParser(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    let query: AnalyticQuery
    do {
        query = try QueryAnalyzer.compile(text, name: "q")
    } catch {
        require(!error.message.isEmpty, "an SQL error without a message")
        let lines = text.utf8.split(separator: 0x0A, omittingEmptySubsequences: false)
        require(error.line >= 1 && error.line <= lines.count, "\(error): line outside \(lines.count) lines")
        let characters = lines[error.line - 1].filter { $0 & 0xC0 != 0x80 }.count
        require(error.column >= 1 && error.column <= characters + 1,
                "\(error): column outside line \(error.line) of \(characters) characters")
        return 0
    }
    let normalized = query.normalizedSQL
    do {
        let again = try QueryAnalyzer.compile(normalized, name: "q")
        require(again == query, "\(visible(Array(text.utf8))) compiled to \(query); its normalized SQL to \(again)")
        require(again.normalizedSQL == normalized, "normalizing is not stable: \(normalized) vs \(again.normalizedSQL)")
    } catch {
        require(false, "the normalized SQL does not compile: \(error)\n\(normalized)")
    }
    return 0
}
