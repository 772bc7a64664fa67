import Foundation
import PostgresNIO
import SwiftChatCore

/// The SQLite store's edits and deletes in PostgreSQL. Each locks the conversation's row first,
/// as posts do, so that the members told are the members at commit.
extension PostgresStore {
    public func editMessage(_ id: ChatMessageID, in conversation: ConversationID, text: String, at date: Date) async throws -> ChatMessage? {
        try await transaction { connection, logger in
            guard try await Self.lockConversation(connection, logger, conversation) else { return nil }
            guard var message = try await connection.first("""
                UPDATE chat_messages SET message = \(text), edited_at = \(Timestamp(date))
                WHERE id = \(id) AND conversation_id = \(conversation) AND deleted_at IS NULL
                RETURNING \(unescaped: Self.messageColumns)
                """, logger: logger, { try $0.message() })
            else { return nil }
            message = try await Self.withAttachments(connection, logger, [message])[0]
            let members = try await Self.memberIDs(connection, logger, conversation: conversation)
            try await Self.append(connection, logger, [EventDrafts.messageChanged(.messageUpdated, message, recipients: members)], at: date)
            return message
        }
    }

    public func deleteMessage(_ id: ChatMessageID, in conversation: ConversationID, at date: Date) async throws -> ChatMessage? {
        try await transaction { connection, logger in
            guard try await Self.lockConversation(connection, logger, conversation),
                let existing = try await connection.first("""
                    SELECT \(unescaped: Self.messageColumns) FROM chat_messages WHERE id = \(id) AND conversation_id = \(conversation)
                    """, logger: logger, { try $0.message() })
            else { return nil }
            if existing.isDeleted { return existing }
            // The text is gone from the store, not only hidden; the attachments' rows queue their blobs.
            let message = try await connection.first("""
                UPDATE chat_messages SET message = '', deleted_at = \(Timestamp(date)) WHERE id = \(id) RETURNING \(unescaped: Self.messageColumns)
                """, logger: logger, { try $0.message() }).orThrow()
            try await connection.run("DELETE FROM attachments WHERE message_id = \(id)", logger: logger)
            let members = try await Self.memberIDs(connection, logger, conversation: conversation)
            try await Self.append(connection, logger, [EventDrafts.messageChanged(.messageDeleted, message, recipients: members)], at: date)
            return message
        }
    }

    static func lockConversation(_ connection: PostgresConnection, _ logger: Logger, _ id: ConversationID) async throws -> Bool {
        try await connection.first("SELECT id FROM conversations WHERE id = \(id) FOR UPDATE", logger: logger) { try $0.next(Int64.self) } != nil
    }
}
