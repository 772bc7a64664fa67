import GRDB
import SwiftChatCore

/// Message search through the FTS5 table `message_search` (migration 0007), ranked by bm25.
extension SQLiteStore {
    /// Words of context around the first match in a snippet.
    static let snippetWords = 16

    public func searchMessages(
        _ query: MessageSearchQuery, for user: UserID?, in conversation: ConversationID?, from sender: UserID?, offset: Int, limit: Int
    ) async throws -> [MessageSearchHit] {
        let columns = Self.messageColumns.split(separator: ", ").map { "m.\($0)" }.joined(separator: ", ")
        let start = Int(MessageSearchHit.matchStart.unicodeScalars.first!.value)
        let end = Int(MessageSearchHit.matchEnd.unicodeScalars.first!.value)
        let fts5 = query.fts5
        return try await read { db in
            var arguments: StatementArguments = user.map { [$0, fts5] } ?? [fts5]
            if let conversation { arguments += [conversation] }
            if let sender { arguments += [sender] }
            arguments += [limit, offset]
            let rows = try db.fetchRows(sql: """
                SELECT \(columns), snippet(message_search, 0, char(\(start)), char(\(end)), '…', \(Self.snippetWords)) AS snippet
                FROM message_search
                JOIN chat_messages m ON m.id = message_search.rowid
                \(user == nil ? "" : "JOIN conversation_members cm ON cm.conversation_id = m.conversation_id AND cm.user_id = ?")
                WHERE message_search MATCH ? AND m.deleted_at IS NULL \(conversation == nil ? "" : "AND m.conversation_id = ?") \(sender == nil ? "" : "AND m.user_id = ?")
                ORDER BY bm25(message_search), m.id DESC
                LIMIT ? OFFSET ?
                """, arguments: arguments)
            let messages = try Self.withAttachments(db, rows.map(Self.message(from:)))
            return zip(messages, rows).map { message, row in
                MessageSearchHit(message: message, snippet: MessageSearchHit.segments(ofMarked: row["snippet"]))
            }
        }
    }
}
