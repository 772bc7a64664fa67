/// Full-text search over message text, kept in step with posts, edits and deletes by the store itself.
public protocol MessageSearchStore: Sendable {
    /// The best matches first (ties: newest first) among the live messages of the conversations
    /// `user` is a member of (of every conversation when nil, for the admin site; only
    /// `conversation` and `sender` when given), from `offset`, at most `limit`.
    func searchMessages(
        _ query: MessageSearchQuery, for user: UserID?, in conversation: ConversationID?, from sender: UserID?, offset: Int, limit: Int
    ) async throws -> [MessageSearchHit]
}

extension MessageSearchStore {
    public func searchMessages(
        _ query: MessageSearchQuery, for user: UserID?, in conversation: ConversationID?, offset: Int, limit: Int
    ) async throws -> [MessageSearchHit] {
        try await searchMessages(query, for: user, in: conversation, from: nil, offset: offset, limit: limit)
    }
}
