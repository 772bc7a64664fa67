import Foundation
import GRDB
import SwiftChatCore

/// Read markers and unread counts. A count is worked out from the marker when asked, never
/// kept beside it, so concurrent posts and reads cannot make it drift.
extension SQLiteStore {
    public func markRead(_ user: UserID, in id: ConversationID, upTo message: ChatMessageID, at date: Date) async throws -> ReadOutcome {
        try await write { db in
            guard let member = try db.fetchRow(
                sql: "SELECT last_read_message_id FROM conversation_members WHERE conversation_id = ? AND user_id = ?", arguments: [id, user])
            else { return .notMember }
            guard try db.fetchRow(sql: "SELECT 1 FROM chat_messages WHERE id = ? AND conversation_id = ?", arguments: [message, id]) != nil
            else { return .unknownMessage }
            if let current = member["last_read_message_id"] as ChatMessageID?, current >= message { return .unchanged(current) }
            try db.run(sql: "UPDATE conversation_members SET last_read_message_id = ? WHERE conversation_id = ? AND user_id = ?",
                arguments: [message, id, user])
            try Self.append(db, [EventDrafts.receipt(conversation: id, user: user, lastRead: message, recipients: try Self.memberIDs(db, conversation: id))],
                micros: Micros.from(date))
            return .moved(message)
        }
    }

    public func unreadCounts(of user: UserID, in ids: [ConversationID]) async throws -> [ConversationID: Int] {
        guard !ids.isEmpty else { return [:] }
        return try await read { db in
            var arguments: StatementArguments = [user]
            for id in ids { _ = arguments.append(contentsOf: [id]) }
            return try db.fetchRows(sql: """
                SELECT cm.conversation_id, (
                    SELECT COUNT(*) FROM chat_messages m
                    WHERE m.conversation_id = cm.conversation_id AND m.id > COALESCE(cm.last_read_message_id, 0) AND m.user_id <> cm.user_id
                      AND m.deleted_at IS NULL
                ) AS unread
                FROM conversation_members cm
                WHERE cm.user_id = ? AND cm.conversation_id IN (\(Array(repeating: "?", count: ids.count).joined(separator: ", ")))
                """, arguments: arguments
            ).reduce(into: [:]) { counts, row in counts[row["conversation_id"]] = row["unread"] }
        }
    }
}
