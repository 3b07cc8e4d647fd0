import TripCore

/// "Did you mean …?" for a misspelt name: the candidate with the smallest edit distance, when it is close.
enum NameSuggestion {
    /// The nearest of `candidates` to `name` (first on a tie), if at most a third of `name`'s length
    /// (at least 1, at most 3) edits away: `fares` → `fare`, but nothing for a name that is merely short.
    static func nearest(_ name: String, in candidates: [String]) -> String? {
        let a = Array(name.utf8)
        guard !a.isEmpty, a.count <= 64 else { return nil }
        let limit = max(1, min(3, a.count / 3))
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let d = distance(a, Array(candidate.utf8))
            if d <= limit && d < (best?.distance ?? .max) { best = (candidate, d) }
        }
        return best?.name
    }

    /// Levenshtein distance (insertions, deletions, substitutions), one row at a time.
    static func distance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

extension TripColumn {
    /// The catalog name nearest to a misspelt one (`fares` → `fare`), or nil when none is close.
    public static func nearest(_ name: String) -> String? { NameSuggestion.nearest(name, in: names) }
}
