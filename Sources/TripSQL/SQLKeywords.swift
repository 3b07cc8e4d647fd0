import TripCore

/// The words and symbols the parser gives a meaning, or refuses by name.
enum SQLKeywords {
    /// Not usable as names. Function names (COUNT, DATE, TUMBLE…) and interval units are not reserved.
    static let reserved: Set<String> = Set(["select", "from", "where", "group", "by", "as", "and", "or", "not", "is",
                                            "null", "in", "interval"]).union(unsupported.keys)

    /// Keywords of SQL beyond the language, and how an error names them.
    static let unsupported: [String: String] = [
        "join": "JOIN", "inner": "JOIN", "left": "JOIN", "right": "JOIN", "full": "JOIN", "cross": "JOIN",
        "outer": "JOIN", "natural": "JOIN", "on": "JOIN", "using": "JOIN",
        "order": "ORDER BY", "having": "HAVING", "limit": "LIMIT", "offset": "OFFSET", "fetch": "FETCH",
        "union": "UNION", "intersect": "INTERSECT", "except": "EXCEPT", "distinct": "DISTINCT", "all": "ALL",
        "any": "ANY", "some": "SOME", "with": "WITH", "case": "CASE", "when": "CASE", "then": "CASE", "else": "CASE",
        "end": "CASE", "between": "BETWEEN", "like": "LIKE", "ilike": "ILIKE", "exists": "EXISTS", "over": "OVER",
        "partition": "PARTITION BY", "window": "WINDOW", "cast": "CAST", "true": "TRUE", "false": "FALSE",
        "insert": "INSERT", "update": "UPDATE", "delete": "DELETE", "create": "CREATE", "drop": "DROP",
        "values": "VALUES", "table": "TABLE", "lateral": "LATERAL", "qualify": "QUALIFY", "escape": "ESCAPE",
        "similar": "SIMILAR TO", "asc": "ORDER BY", "desc": "ORDER BY", "into": "INTO", "emit": "EMIT",
    ]

    static let comparisons: [String: Comparison] = [
        "=": .equal, "<>": .notEqual, "!=": .notEqual, "<": .less, "<=": .lessOrEqual, ">": .greater,
        ">=": .greaterOrEqual,
    ]

    /// Milliseconds per unit.
    static let intervalUnits: [String: Int64] = [
        "second": 1000, "seconds": 1000, "minute": 60_000, "minutes": 60_000,
        "hour": 3_600_000, "hours": 3_600_000, "day": 86_400_000, "days": 86_400_000,
    ]

    /// As the configuration's longest duration.
    static let maxIntervalMilliseconds: Int64 = 100 * 365 * 86_400_000
}
