import Foundation
import PostgresNIO
import SwiftChatCore

/// v1 chat messages: the messages of an interest's direct conversation.
extension PostgresStore {
    static let messageColumns = "id, conversation_id, interest_id, user_id, message, client_id, created_at, edited_at, deleted_at"

    public func messages(in interest: InterestID, ordering: ListOrdering) async throws -> [ChatMessage] {
        try await pooled {
            try await $0.all("""
                SELECT \(unescaped: Self.messageColumns) FROM chat_messages m WHERE interest_id = \(interest)
                ORDER BY \(unescaped: ordering.sqlOrder(table: "m"))
                """, logger: $1) { try $0.message() }
        }
    }

    public func message(id: ChatMessageID) async throws -> ChatMessage? {
        try await pooled { try await $0.first("SELECT \(unescaped: Self.messageColumns) FROM chat_messages WHERE id = \(id)", logger: $1) { try $0.message() } }
    }

    /// A v1 message on an interest is a message of its direct conversation.
    public func createMessage(in interest: InterestID, by user: UserID, text: String, at date: Date) async throws -> ChatMessage {
        try await transaction { connection, logger in
            guard let conversation = try await connection.first("SELECT id FROM conversations WHERE interest_id = \(interest) FOR UPDATE",
                logger: logger, { try $0.next(ConversationID.self) })
            else { throw StoreError.missingReference }
            return try await Self.insertMessage(connection, logger, conversation: conversation, interest: interest, sender: user, text: text,
                clientID: nil, at: date)
        }
    }
}

extension RowReader {
    mutating func message() throws -> ChatMessage {
        ChatMessage(
            id: try next(), conversationID: try next(), interestID: try next(), userID: try next(), message: try next(), clientID: try next(),
            createdAt: try next(Timestamp.self).date, editedAt: try next(Timestamp?.self)?.date, deletedAt: try next(Timestamp?.self)?.date)
    }
}
