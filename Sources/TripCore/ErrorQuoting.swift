extension String {
    /// The string as an error message quotes a user's value: at most `limit` characters, and how many were
    /// left out, so a huge value (a header line without line ends, a pasted file) cannot flood a terminal.
    public func shortenedForMessage(limit: Int = 200) -> String {
        var end = startIndex
        guard formIndex(&end, offsetBy: limit, limitedBy: endIndex), end != endIndex else { return self }
        return "\(self[..<end])… (\(utf8.count - self[..<end].utf8.count) more bytes)"
    }
}
