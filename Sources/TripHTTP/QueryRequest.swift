import TripCore
import TripSinks
import TripSQLite

/// `GET /api/v1/queries/{name}`: the parameters, checked, and the page of results they select.
struct QueryRequest {
    static let parameters: Set<String> = ["tenant", "from", "to", "top", "final", "order", "limit", "offset", "format"]
    static let defaultLimit = 1000
    static let maxLimit = 10_000

    var query: MirrorQuery
    var format: String
    var limit: Int
    var offset: Int

    /// Validates everything before the database is touched; errors are the 400 response's message.
    init(name: String, parameters: [(String, String)], defaultTenant: String) throws {
        guard let q = MirrorQuery(name: name, tenant: defaultTenant) else {
            throw HTTPRequestError.notFound("unknown query \(name.shortenedForMessage()); expected one of "
                            + QueryName.allCases.map(\.rawValue).joined(separator: ", ") + " or a SQL query of the mirror")
        }
        var values: [String: String] = [:]
        for (key, value) in parameters {
            guard Self.parameters.contains(key) else {
                throw HTTPRequestError.badRequest("unknown parameter \(key); expected "
                                  + Self.parameters.sorted().joined(separator: ", "))
            }
            guard values[key] == nil else { throw HTTPRequestError.badRequest("parameter \(key) given twice") }
            values[key] = value
        }
        query = q
        query.tenant = values["tenant"] ?? defaultTenant
        do { _ = try TripstreamConfig.validTenant(query.tenant, key: "tenant") } catch {
            throw HTTPRequestError.badRequest("\(error)")
        }
        query.from = try values["from"].map { try Self.instant($0, "from") }
        query.to = try values["to"].map { try Self.instant($0, "to") }
        if let from = query.from, let to = query.to, to <= from {
            throw HTTPRequestError.badRequest("bad range: to (\(to)) must be after from (\(from))")
        }
        query.top = try values["top"].map { try Self.integer($0, "top", 1...100_000) }
        switch values["final"] {
        case nil, "false", "0": query.finalOnly = false
        case "true", "1": query.finalOnly = true
        case let other?: throw HTTPRequestError.badRequest("final must be true or false, got \(other)")
        }
        switch values["order"] {
        case nil, "asc": query.descending = false
        case "desc": query.descending = true
        case let other?: throw HTTPRequestError.badRequest("order must be asc or desc, got \(other)")
        }
        limit = try values["limit"].map { try Self.integer($0, "limit", 1...Self.maxLimit) } ?? Self.defaultLimit
        offset = try values["offset"].map { try Self.integer($0, "offset", 0...Int(Int32.max)) } ?? 0
        format = values["format"] ?? "json"
        guard format == "json" || format == "csv" else { throw HTTPRequestError.badRequest("format must be json or csv, got \(format)") }
        // One row more than the page tells whether another page follows.
        query.limit = limit + 1
        query.offset = offset
    }

    /// The page as the response body, and the offset of the next page when there is one.
    func page(_ db: SQLiteDatabase) throws -> (body: String, nextOffset: Int?) {
        var result = try Self.results(of: query, db)
        let nextOffset = result.rows.count > limit ? offset + limit : nil
        if nextOffset != nil { result.rows.removeLast(result.rows.count - limit) }
        if format == "csv" { return (ResultFormatter.render(result, format: "csv"), nextOffset) }
        var j = JSONBuilder()
        j.beginObject()
        j.field("query", query.name)
        j.field("tenant", query.tenant)
        j.beginArray("columns")
        for c in result.columns { j.element(c) }
        j.endArray()
        j.beginArray("rows")
        for row in result.rows {
            j.beginObject()
            for (column, value) in zip(result.columns, row) {
                if column == "final" { j.field(column, value.int64 == 1) } else { j.field(column, value) }
            }
            j.endObject()
        }
        j.endArray()
        j.field("offset", offset)
        j.field("limit", limit)
        j.field("next_offset", nextOffset)
        j.endObject()
        return (j.text, nextOffset)
    }

    /// The query's rows; a SQL query the mirror does not hold is a 404, as an unknown built-in.
    static func results(of query: MirrorQuery, _ db: SQLiteDatabase) throws -> MirrorQuery.Result {
        do {
            return try query.run(db)
        } catch let unknown as MirrorQuery.UnknownQuery {
            throw HTTPRequestError.notFound(unknown.description)
        }
    }

    static func instant(_ text: String, _ name: String) throws -> Int64 {
        guard let seconds = MirrorQuery.instant(text) else {
            throw HTTPRequestError.badRequest("\(name) takes Unix seconds, YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ, got \(text)")
        }
        return seconds
    }

    static func integer(_ text: String, _ name: String, _ range: ClosedRange<Int>) throws -> Int {
        guard let n = Int(text), range.contains(n) else {
            throw HTTPRequestError.badRequest("\(name) must be an integer from \(range.lowerBound) to \(range.upperBound), got \(text)")
        }
        return n
    }
}

/// A request the server refuses, with the message for the JSON error body.
enum HTTPRequestError: Error {
    case badRequest(String)
    case notFound(String)
    case unauthorized(String)
    case unavailable(String)
}
