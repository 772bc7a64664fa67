import Foundation
import GRDB
import SwiftChatCore

/// Edits and deletes of messages. A deleted message keeps its row, emptied, so that ids, history
/// pages and read markers keep their places.
extension SQLiteStore {
    public func editMessage(_ id: ChatMessageID, in conversation: ConversationID, text: String, at date: Date) async throws -> ChatMessage? {
        try await write { db in
            let micros = Micros.from(date)
            try db.run(sql: "UPDATE chat_messages SET message = ?, edited_at = ? WHERE id = ? AND conversation_id = ? AND deleted_at IS NULL",
                arguments: [text, micros, id, conversation])
            guard db.changesCount > 0 else { return nil }
            let message = try Self.loadMessage(db, id)
            try Self.append(db, [EventDrafts.messageChanged(.messageUpdated, message, recipients: try Self.memberIDs(db, conversation: conversation))],
                micros: micros)
            return message
        }
    }

    public func deleteMessage(_ id: ChatMessageID, in conversation: ConversationID, at date: Date) async throws -> ChatMessage? {
        try await write { db in
            guard let row = try db.fetchRow(sql: "SELECT deleted_at FROM chat_messages WHERE id = ? AND conversation_id = ?", arguments: [id, conversation])
            else { return nil }
            if row["deleted_at"] as Int64? != nil { return try Self.loadMessage(db, id) }
            let micros = Micros.from(date)
            // The text is gone from the store, not only hidden; the attachments' rows queue their blobs.
            try db.run(sql: "UPDATE chat_messages SET message = '', deleted_at = ? WHERE id = ?", arguments: [micros, id])
            try db.run(sql: "DELETE FROM attachments WHERE message_id = ?", arguments: [id])
            let message = try Self.loadMessage(db, id)
            try Self.append(db, [EventDrafts.messageChanged(.messageDeleted, message, recipients: try Self.memberIDs(db, conversation: conversation))],
                micros: micros)
            return message
        }
    }

    static func loadMessage(_ db: Database, _ id: ChatMessageID) throws -> ChatMessage {
        let row = try db.fetchRow(sql: "SELECT \(messageColumns) FROM chat_messages WHERE id = ?", arguments: [id]).orMissing()
        return try withAttachments(db, [message(from: row)])[0]
    }
}
