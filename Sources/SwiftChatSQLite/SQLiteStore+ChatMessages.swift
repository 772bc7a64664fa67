import Foundation
import GRDB
import SwiftChatCore

/// v1 chat messages: the messages of an interest's direct conversation.
extension SQLiteStore {
    static let messageColumns = "id, conversation_id, interest_id, user_id, message, client_id, created_at, edited_at, deleted_at"

    static func message(from row: Row) -> ChatMessage {
        ChatMessage(
            id: row["id"], conversationID: row["conversation_id"], interestID: row["interest_id"], userID: row["user_id"],
            message: row["message"], clientID: row["client_id"], createdAt: Micros.date(row["created_at"]),
            editedAt: (row["edited_at"] as Int64?).map(Micros.date), deletedAt: (row["deleted_at"] as Int64?).map(Micros.date))
    }

    public func messages(in interest: InterestID, ordering: ListOrdering) async throws -> [ChatMessage] {
        try await read { db in
            try db.fetchRows(sql: "SELECT \(Self.messageColumns) FROM chat_messages m WHERE interest_id = ? ORDER BY \(ordering.sqlOrder(table: "m"))",
                arguments: [interest]
            ).map(Self.message(from:))
        }
    }

    public func message(id: ChatMessageID) async throws -> ChatMessage? {
        try await read { db in
            try db.fetchRow(sql: "SELECT \(Self.messageColumns) FROM chat_messages WHERE id = ?", arguments: [id]).map(Self.message(from:))
        }
    }

    /// A v1 message on an interest is a message of its direct conversation.
    public func createMessage(in interest: InterestID, by user: UserID, text: String, at date: Date) async throws -> ChatMessage {
        try await write { db in
            guard let conversation = try db.fetchRow(sql: "SELECT id FROM conversations WHERE interest_id = ?", arguments: [interest]) else {
                throw StoreError.missingReference
            }
            return try Self.insertMessage(db, conversation: conversation["id"], interest: interest, sender: user, text: text, clientID: nil,
                micros: Micros.from(date))
        }
    }
}
