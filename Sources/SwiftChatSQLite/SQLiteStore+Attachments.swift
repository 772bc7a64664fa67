import Foundation
import GRDB
import SwiftChatCore

extension SQLiteStore {
    static let attachmentColumns = """
        a.id, a.uploader_id, a.storage_key, a.name, a.mime_type, a.size, a.sha256, a.width, a.height, a.thumbnail_key,
        a.thumbnail_width, a.thumbnail_height, a.message_id, m.conversation_id, a.created_at
        """
    static let attachmentSource = "attachments a LEFT JOIN chat_messages m ON m.id = a.message_id"

    static func attachment(from row: Row) -> Attachment {
        let thumbnailKey: String? = row["thumbnail_key"]
        return Attachment(
            id: row["id"], uploaderID: row["uploader_id"], storageKey: row["storage_key"], name: row["name"], mimeType: row["mime_type"],
            size: row["size"], sha256: row["sha256"], width: row["width"], height: row["height"],
            thumbnail: thumbnailKey.map { Attachment.Thumbnail(storageKey: $0, width: row["thumbnail_width"], height: row["thumbnail_height"]) },
            messageID: row["message_id"], conversationID: row["conversation_id"], createdAt: Micros.date(row["created_at"]))
    }

    public func createAttachment(_ new: NewAttachment, quota: Int64, at date: Date) async throws -> Attachment {
        try await write { db in
            let used = try Int64.fetchOne(db, sql: "SELECT coalesce(sum(size), 0) FROM attachments WHERE uploader_id = ?",
                arguments: [new.uploaderID]) ?? 0
            guard used + new.size <= quota else { throw StoreError.limitReached }
            guard try db.fetchRow(sql: "SELECT 1 FROM users WHERE id = ?", arguments: [new.uploaderID]) != nil else {
                throw StoreError.missingReference
            }
            try db.run(sql: """
                INSERT INTO attachments (uploader_id, storage_key, name, mime_type, size, sha256, width, height, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [new.uploaderID, new.storageKey, new.name, new.mimeType, new.size, new.sha256, new.width, new.height,
                    Micros.from(date)])
            let id: AttachmentID = db.lastInsertedID()
            try db.run(sql: "DELETE FROM blob_deletions WHERE storage_key = ?", arguments: [new.storageKey])
            return try Self.fetchAttachment(db, id: id)!
        }
    }

    public func attachment(id: AttachmentID) async throws -> Attachment? {
        try await read { db in try Self.fetchAttachment(db, id: id) }
    }

    public func attachments(ofMessages ids: [ChatMessageID]) async throws -> [ChatMessageID: [Attachment]] {
        guard !ids.isEmpty else { return [:] }
        return try await read { db in try Self.attachments(db, ofMessages: ids) }
    }

    public func storageUsed(by user: UserID) async throws -> Int64 {
        try await read { db in
            try Int64.fetchOne(db, sql: "SELECT coalesce(sum(size), 0) FROM attachments WHERE uploader_id = ?", arguments: [user]) ?? 0
        }
    }

    public func setThumbnail(of id: AttachmentID, _ thumbnail: Attachment.Thumbnail) async throws -> Bool {
        try await write { db in
            try db.run(sql: "UPDATE attachments SET thumbnail_key = ?, thumbnail_width = ?, thumbnail_height = ? WHERE id = ? AND thumbnail_key IS NULL",
                arguments: [thumbnail.storageKey, thumbnail.width, thumbnail.height, id])
            return db.changesCount > 0
        }
    }

    public func deleteUnattached(before date: Date, limit: Int) async throws -> Int {
        try await write { db in
            try db.run(sql: """
                DELETE FROM attachments WHERE id IN
                    (SELECT id FROM attachments WHERE message_id IS NULL AND created_at < ? ORDER BY created_at LIMIT ?)
                """, arguments: [Micros.from(date), limit])
            return db.changesCount
        }
    }

    public func scheduleBlobDeletion(key: String, due: Date) async throws {
        try await write { db in
            try db.run(sql: "INSERT OR REPLACE INTO blob_deletions (storage_key, due_at) VALUES (?, ?)", arguments: [key, Micros.from(due)])
        }
    }

    public func dueBlobDeletions(at date: Date, limit: Int) async throws -> [String] {
        try await read { db in
            try String.fetchAll(db, sql: "SELECT storage_key FROM blob_deletions WHERE due_at <= ? ORDER BY due_at LIMIT ?",
                arguments: [Micros.from(date), limit])
        }
    }

    public func forgetBlobDeletion(key: String) async throws {
        try await write { db in
            try db.run(sql: "DELETE FROM blob_deletions WHERE storage_key = ?", arguments: [key])
        }
    }

    public func attachmentTotals() async throws -> (count: Int, bytes: Int64) {
        try await read { db in
            let row = try db.fetchRow(sql: "SELECT count(*) AS n, coalesce(sum(size), 0) AS bytes FROM attachments", arguments: [])
            return (row?["n"] ?? 0, row?["bytes"] ?? 0)
        }
    }

    // MARK: Inside a transaction

    static func fetchAttachment(_ db: Database, id: AttachmentID) throws -> Attachment? {
        try db.fetchRow(sql: "SELECT \(attachmentColumns) FROM \(attachmentSource) WHERE a.id = ?", arguments: [id]).map(attachment(from:))
    }

    static func attachments(_ db: Database, ofMessages ids: [ChatMessageID]) throws -> [ChatMessageID: [Attachment]] {
        guard !ids.isEmpty else { return [:] }
        let marks = Array(repeating: "?", count: ids.count).joined(separator: ", ")
        let rows = try Row.fetchAll(db, sql: """
            SELECT \(attachmentColumns) FROM \(attachmentSource) WHERE a.message_id IN (\(marks)) ORDER BY a.message_id, a.position
            """, arguments: StatementArguments(ids))
        return Dictionary(grouping: rows.map(attachment(from:)), by: { $0.messageID! })
    }

    /// Gives the sender's unused attachments to a new message, in order; any other id fails the post.
    static func attach(_ db: Database, _ ids: [AttachmentID], to message: ChatMessageID, sender: UserID) throws -> [Attachment] {
        for (position, id) in ids.enumerated() {
            try db.run(sql: "UPDATE attachments SET message_id = ?, position = ? WHERE id = ? AND uploader_id = ? AND message_id IS NULL",
                arguments: [message, position, id, sender])
            guard db.changesCount == 1 else { throw StoreError.attachmentUnavailable }
        }
        return ids.isEmpty ? [] : try attachments(db, ofMessages: [message])[message] ?? []
    }

    /// Fills in the attachments of messages read without them.
    static func withAttachments(_ db: Database, _ messages: [ChatMessage]) throws -> [ChatMessage] {
        let found = try attachments(db, ofMessages: messages.map(\.id))
        guard !found.isEmpty else { return messages }
        return messages.map { message in
            var message = message
            message.attachments = found[message.id] ?? []
            return message
        }
    }
}
