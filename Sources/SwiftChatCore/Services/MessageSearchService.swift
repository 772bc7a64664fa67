/// `GET /api/v2/search/messages/`: full-text search over the messages of the caller's own
/// conversations. Pages go by offset, which is bounded, so a page deep in a common word costs
/// at most `maxDepth` ranked rows.
public struct MessageSearchService: Sendable {
    /// How far into the results paging goes.
    public static let maxDepth = 1_000

    public struct Page: Sendable {
        public let hits: [MessageSearchHit]
        /// The offset of the next page; nil on the last one, or at `maxDepth`.
        public let nextOffset: Int?
    }

    let store: any ChatStore
    let maxTerms: Int
    let maxTermLength: Int

    public init(store: any ChatStore, maxTerms: Int, maxTermLength: Int) {
        self.store = store
        self.maxTerms = maxTerms
        self.maxTermLength = maxTermLength
    }

    /// A conversation the caller is not in is 404, as everywhere in v2.
    public func search(_ text: String, in conversation: ConversationID?, offset: Int, limit: Int, by caller: UserID) async throws -> Page {
        let query = try MessageSearchQuery(text, maxTerms: maxTerms, maxTermLength: maxTermLength)
        if let conversation, try await store.role(of: caller, in: conversation) == nil { throw APIError.notFound }
        let take = max(0, min(limit, Self.maxDepth - offset))
        guard take > 0 else { return Page(hits: [], nextOffset: nil) }
        let found = try await store.searchMessages(query, for: caller, in: conversation, offset: offset, limit: take + 1)
        let more = found.count > take && offset + take < Self.maxDepth
        return Page(hits: Array(found.prefix(take)), nextOffset: more ? offset + take : nil)
    }
}
