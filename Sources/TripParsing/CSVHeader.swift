/// The header row: column names as written and normalized (`Dropoff Centroid  Location` →
/// `dropoff_centroid_location`), so columns are found by name, whatever their order or spacing.
public struct CSVHeader: Sendable, Equatable {
    public let names: [String]
    public let normalized: [String]

    public init(names: [String]) {
        var names = names
        if let first = names.first, first.hasPrefix("\u{FEFF}") { names[0] = String(first.dropFirst()) }
        self.names = names
        self.normalized = names.map(Self.normalize)
    }

    public var count: Int { names.count }

    /// Lowercase; runs of spaces, tabs, dashes and underscores become one `_`; trimmed.
    public static func normalize(_ name: String) -> String {
        var out = ""
        var pendingSeparator = false
        for ch in name.lowercased() {
            if ch == " " || ch == "\t" || ch == "_" || ch == "-" {
                pendingSeparator = !out.isEmpty
            } else {
                if pendingSeparator { out.append("_"); pendingSeparator = false }
                out.append(ch)
            }
        }
        return out
    }

    /// Index of the first column whose normalized name is `name`.
    public func index(of name: String) -> Int? { normalized.firstIndex(of: name) }
}
