/// "Did you mean …?" for a misspelled setting, flag or command: the known name closest to what
/// was typed, by edit distance, when it is close enough to be a likely typo.
public enum NameSuggestions {
    /// Longer input is not compared: names are short, and the cost grows with the product of lengths.
    static let maximumLength = 64

    /// The candidate closest to `typed` (case-insensitive), or nil when none is a likely typo.
    /// Ties go to the earlier candidate. `normalize` maps both sides before comparing (for
    /// example to drop a common prefix).
    public static func closest(
        to typed: String, among candidates: [String], normalize: (String) -> String = { $0 }
    ) -> String? {
        let wanted = normalize(typed).uppercased()
        guard wanted.count <= maximumLength else { return nil }
        // A third of the length, at most 3: "serv" -> "serve", but not "port" -> "host".
        let allowed = max(1, min(3, wanted.count / 3))
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let known = normalize(candidate).uppercased()
            guard let distance = editDistance(wanted, known, limit: allowed), distance < (best?.distance ?? allowed + 1) else { continue }
            best = (candidate, distance)
        }
        return best?.name
    }

    /// Optimal string alignment distance (insertions, deletions, substitutions and swaps of
    /// neighbours each cost 1), or nil when it exceeds `limit` or an input exceeds
    /// `maximumLength`. Keeps three rows, so memory is linear in the length.
    static func editDistance(_ first: String, _ second: String, limit: Int) -> Int? {
        let a = Array(first), b = Array(second)
        guard a.count <= maximumLength, b.count <= maximumLength, abs(a.count - b.count) <= limit else { return nil }
        if a.isEmpty || b.isEmpty { return max(a.count, b.count) }
        var beforePrevious = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            var rowMinimum = current[0]
            for j in 1...b.count {
                let substitution = a[i - 1] == b[j - 1] ? 0 : 1
                var cost = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + substitution)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    cost = min(cost, beforePrevious[j - 2] + 1)
                }
                current[j] = cost
                rowMinimum = min(rowMinimum, cost)
            }
            // Every later row is at least this row's minimum: stop once the limit is out of reach.
            if rowMinimum > limit { return nil }
            (beforePrevious, previous, current) = (previous, current, beforePrevious)
        }
        let distance = previous[b.count]
        return distance <= limit ? distance : nil
    }
}
