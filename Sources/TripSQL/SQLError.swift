import TripCore

/// A place in the SQL text: 1-based line, and 1-based column counted in characters (Unicode scalars).
public struct SQLPosition: Sendable, Hashable, Comparable {
    public var line: Int
    public var column: Int

    public static func < (a: SQLPosition, b: SQLPosition) -> Bool { (a.line, a.column) < (b.line, b.column) }
}

/// Why a query was refused, where: `unknown column 'fares' at 1:24 — did you mean 'fare'?`.
public struct SQLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var position: SQLPosition
    public var message: String
    /// A suggestion or example, after the position.
    public var hint: String?

    public init(_ message: String, at position: SQLPosition, hint: String? = nil) {
        self.position = position
        self.message = message
        self.hint = hint
    }

    public var line: Int { position.line }
    public var column: Int { position.column }

    public var description: String {
        "\(message) at \(position.line):\(position.column)" + (hint.map { " — \($0)" } ?? "")
    }
}
