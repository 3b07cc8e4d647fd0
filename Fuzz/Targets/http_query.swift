// fuzz-modules: TripCore TripSQL TripEngine TripSQLite TripSinks
// fuzz-sources: Sources/TripHTTP/QueryRequest.swift Sources/TripHTTP/JSONBuilder.swift
// fuzz-max-len: 1024
import Foundation
import TripCore
import TripSinks
import TripSQL

// The query API's parameter checks (`GET /api/v1/queries/{name}?…`) on arbitrary query strings: a request
// or a 400/404 with a message, never a crash; an accepted request's page limits are within bounds, and its
// page runs on a real (empty, in-memory) SQLite mirror and renders (JSON that parses, or CSV).
// The names: the built-ins, a SQL query of the mirror, a SQL query's name the mirror does not hold (a 404
// when the page is read) and a name no query can have (a 404 at once).
// Input: 1 byte choosing the query name, then the query string (split on & and =, percent-decoded).

let names = QueryName.allCases.map(\.rawValue) + ["by_company", "no_such_query", "No Such"]
let byCompany = try! QueryAnalyzer.compile("""
    SELECT DATE(window_start), company, COUNT(*) AS trips, ROUND(AVG(fare), 1) AS fare
    FROM TUMBLE(trips, trip_start_timestamp, INTERVAL '1' DAY) GROUP BY DATE(window_start), company
    """, name: "by_company")
let mirror = try! SQLiteMirror(path: ":memory:", tenant: "chicago", queries: [byCompany])

/// `a=1&b=%20x` → [("a", "1"), ("b", " x")]: what the server's URI parsing gives the handler.
func parameters(_ query: ArraySlice<UInt8>) -> [(String, String)] {
    query.split(separator: 0x26, omittingEmptySubsequences: true).map { pair in
        let parts = pair.split(separator: 0x3D, maxSplits: 1, omittingEmptySubsequences: false)
        return (percentDecoded(parts[0]), parts.count > 1 ? percentDecoded(parts[1]) : "")
    }
}

func percentDecoded(_ s: ArraySlice<UInt8>) -> String {
    var out: [UInt8] = []
    var i = s.startIndex
    while i < s.endIndex {
        if s[i] == 0x25, i + 2 < s.endIndex, let v = UInt8(String(decoding: s[i + 1...i + 2], as: UTF8.self), radix: 16) {
            out.append(v)
            i += 3
        } else {
            out.append(s[i] == 0x2B ? 0x20 : s[i])
            i += 1
        }
    }
    return String(decoding: out, as: UTF8.self)
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPQuery(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let name = names[Int(input.byte()) % names.count]
    let request: QueryRequest
    do {
        request = try QueryRequest(name: name, parameters: parameters(input.rest), defaultTenant: "chicago")
    } catch HTTPRequestError.badRequest(let message), HTTPRequestError.notFound(let message) {
        require(!message.isEmpty, "an error response without a message")
        return 0
    } catch {
        require(false, "QueryRequest threw \(error), not a 400 or 404")
        return 0
    }
    require(name != "No Such", "a name no query can have was accepted")
    require((1...QueryRequest.maxLimit).contains(request.limit) && request.offset >= 0,
            "limit \(request.limit), offset \(request.offset) out of bounds")
    require(request.format == "json" || request.format == "csv", "format \(request.format)")
    do {
        let page = try request.page(mirror.db)
        require(name != "no_such_query", "a SQL query the mirror does not hold was served")
        require(page.nextOffset == nil, "an empty mirror has a next page")
        if request.format == "json" {
            require((try? JSONSerialization.jsonObject(with: Data(page.body.utf8))) != nil, "a page that is not JSON: \(page.body)")
        }
    } catch HTTPRequestError.notFound(let message) where name == "no_such_query" {
        require(message.hasPrefix("unknown query no_such_query; expected one of"), "404 message: \(message)")
    } catch {
        require(false, "an accepted request failed on the mirror: \(error)")
    }
    return 0
}
