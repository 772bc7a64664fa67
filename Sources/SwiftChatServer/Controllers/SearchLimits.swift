/// Bounds on `?search=`: each word becomes one more clause in the database query.
struct SearchLimits: Sendable {
    let maxTerms: Int
    let maxTermLength: Int
}
