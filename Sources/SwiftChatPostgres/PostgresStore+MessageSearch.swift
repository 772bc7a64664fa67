import PostgresNIO
import SwiftChatCore

/// Message search through the generated `search_vector` column and its GIN index (migration
/// 0007), ranked by `ts_rank`. Snippets are made for the page only, after ranking.
extension PostgresStore {
    static let headlineOptions = "StartSel=\(MessageSearchHit.matchStart), StopSel=\(MessageSearchHit.matchEnd), "
        + "MaxWords=24, MinWords=10, ShortWord=0, MaxFragments=1, FragmentDelimiter=…"

    public func searchMessages(
        _ query: MessageSearchQuery, for user: UserID?, in conversation: ConversationID?, from sender: UserID?, offset: Int, limit: Int
    ) async throws -> [MessageSearchHit] {
        let columns = Self.messageColumns.split(separator: ", ").map { "page.\($0)" }.joined(separator: ", ")
        let inner = Self.messageColumns.split(separator: ", ").map { "m.\($0)" }.joined(separator: ", ")
        let only = conversation?.rawValue
        let by = sender?.rawValue
        // An integer written into the text: nothing a client sends reaches it unparsed.
        let membership = user.map { "JOIN conversation_members cm ON cm.conversation_id = m.conversation_id AND cm.user_id = \($0.rawValue)" } ?? ""
        return try await pooled { connection, logger in
            let found = try await connection.all("""
                WITH q AS (SELECT to_tsquery('simple', \(query.tsquery)) AS query)
                SELECT \(unescaped: columns), ts_headline('simple', page.message, q.query, \(Self.headlineOptions))
                FROM (
                    SELECT \(unescaped: inner), ts_rank(m.search_vector, q.query) AS rank
                    FROM chat_messages m
                    \(unescaped: membership)
                    CROSS JOIN q
                    WHERE m.search_vector @@ q.query AND m.deleted_at IS NULL
                      AND (\(only)::BIGINT IS NULL OR m.conversation_id = \(only))
                      AND (\(by)::BIGINT IS NULL OR m.user_id = \(by))
                    ORDER BY rank DESC, m.id DESC
                    LIMIT \(limit) OFFSET \(offset)
                ) page CROSS JOIN q
                ORDER BY page.rank DESC, page.id DESC
                """, logger: logger) { row in (try row.message(), try row.next(String.self)) }
            let messages = try await Self.withAttachments(connection, logger, found.map(\.0))
            return zip(messages, found).map { MessageSearchHit(message: $0, snippet: MessageSearchHit.segments(ofMarked: $1.1)) }
        }
    }
}
