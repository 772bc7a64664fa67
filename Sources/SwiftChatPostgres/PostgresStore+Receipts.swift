import Foundation
import PostgresNIO
import SwiftChatCore

/// The SQLite store's read markers in PostgreSQL. Moving a marker locks its member row, so two
/// devices marking at once move it once, forward only.
extension PostgresStore {
    public func markRead(_ user: UserID, in id: ConversationID, upTo message: ChatMessageID, at date: Date) async throws -> ReadOutcome {
        try await transaction { connection, logger in
            guard let current = try await connection.first("""
                SELECT last_read_message_id FROM conversation_members WHERE conversation_id = \(id) AND user_id = \(user) FOR UPDATE
                """, logger: logger, { try $0.next(ChatMessageID?.self) })
            else { return .notMember }
            guard try await connection.first("SELECT 1 FROM chat_messages WHERE id = \(message) AND conversation_id = \(id)", logger: logger, {
                try $0.next(Int32.self)
            }) != nil else { return .unknownMessage }
            if let current, current >= message { return .unchanged(current) }
            try await connection.run("""
                UPDATE conversation_members SET last_read_message_id = \(message) WHERE conversation_id = \(id) AND user_id = \(user)
                """, logger: logger)
            let members = try await Self.memberIDs(connection, logger, conversation: id)
            try await Self.append(connection, logger, [EventDrafts.receipt(conversation: id, user: user, lastRead: message, recipients: members)], at: date)
            return .moved(message)
        }
    }

    public func unreadCounts(of user: UserID, in ids: [ConversationID]) async throws -> [ConversationID: Int] {
        guard !ids.isEmpty else { return [:] }
        return try await pooled { connection, logger in
            try await connection.all("""
                SELECT cm.conversation_id, (
                    SELECT COUNT(*) FROM chat_messages m
                    WHERE m.conversation_id = cm.conversation_id AND m.id > COALESCE(cm.last_read_message_id, 0) AND m.user_id <> cm.user_id
                      AND m.deleted_at IS NULL
                )
                FROM conversation_members cm
                WHERE cm.user_id = \(user) AND cm.conversation_id = ANY(\(ids.map(\.rawValue)))
                """, logger: logger) { (try $0.next(ConversationID.self), Int(try $0.next(Int64.self))) }
                .reduce(into: [:]) { counts, pair in counts[pair.0] = pair.1 }
        }
    }
}
