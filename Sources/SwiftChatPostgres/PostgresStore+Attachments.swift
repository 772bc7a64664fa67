import Foundation
import PostgresNIO
import SwiftChatCore

extension PostgresStore {
    static let attachmentColumns = """
        a.id, a.uploader_id, a.storage_key, a.name, a.mime_type, a.size, a.sha256, a.width, a.height, a.thumbnail_key,
        a.thumbnail_width, a.thumbnail_height, a.message_id, m.conversation_id, a.created_at
        """
    static let attachmentSource = "attachments a LEFT JOIN chat_messages m ON m.id = a.message_id"

    public func createAttachment(_ new: NewAttachment, quota: Int64, at date: Date) async throws -> Attachment {
        try await transaction { connection, logger in
            // The uploader's row is the lock that makes concurrent uploads take turns at the quota.
            guard try await connection.first("SELECT id FROM users WHERE id = \(new.uploaderID) FOR UPDATE", logger: logger, {
                try $0.next(UserID.self)
            }) != nil else { throw StoreError.missingReference }
            let used = try await connection.first("SELECT coalesce(sum(size), 0)::bigint FROM attachments WHERE uploader_id = \(new.uploaderID)",
                logger: logger) { try $0.next(Int64.self) } ?? 0
            guard used + new.size <= quota else { throw StoreError.limitReached }
            let id = try await connection.first("""
                INSERT INTO attachments (uploader_id, storage_key, name, mime_type, size, sha256, width, height, created_at)
                VALUES (\(new.uploaderID), \(new.storageKey), \(new.name), \(new.mimeType), \(new.size), \(new.sha256),
                    \(new.width.map(Int64.init)), \(new.height.map(Int64.init)), \(Timestamp(date)))
                RETURNING id
                """, logger: logger) { try $0.next(AttachmentID.self) }.orThrow()
            try await connection.run("DELETE FROM blob_deletions WHERE storage_key = \(new.storageKey)", logger: logger)
            return try await Self.fetchAttachment(connection, logger, id: id).orThrow()
        }
    }

    public func attachment(id: AttachmentID) async throws -> Attachment? {
        try await pooled { try await Self.fetchAttachment($0, $1, id: id) }
    }

    public func attachments(ofMessages ids: [ChatMessageID]) async throws -> [ChatMessageID: [Attachment]] {
        guard !ids.isEmpty else { return [:] }
        return try await pooled { try await Self.attachments($0, $1, ofMessages: ids) }
    }

    public func storageUsed(by user: UserID) async throws -> Int64 {
        try await pooled {
            try await $0.first("SELECT coalesce(sum(size), 0)::bigint FROM attachments WHERE uploader_id = \(user)", logger: $1) {
                try $0.next(Int64.self)
            } ?? 0
        }
    }

    public func setThumbnail(of id: AttachmentID, _ thumbnail: Attachment.Thumbnail) async throws -> Bool {
        try await pooled {
            try await $0.first("""
                UPDATE attachments SET thumbnail_key = \(thumbnail.storageKey), thumbnail_width = \(Int64(thumbnail.width)),
                    thumbnail_height = \(Int64(thumbnail.height))
                WHERE id = \(id) AND thumbnail_key IS NULL RETURNING id
                """, logger: $1) { try $0.next(AttachmentID.self) } != nil
        }
    }

    public func deleteUnattached(before date: Date, limit: Int) async throws -> Int {
        try await pooled {
            try await $0.all("""
                DELETE FROM attachments WHERE id IN
                    (SELECT id FROM attachments WHERE message_id IS NULL AND created_at < \(Timestamp(date)) ORDER BY created_at LIMIT \(limit))
                RETURNING id
                """, logger: $1) { try $0.next(AttachmentID.self) }.count
        }
    }

    public func scheduleBlobDeletion(key: String, due: Date) async throws {
        try await pooled {
            try await $0.run("""
                INSERT INTO blob_deletions (storage_key, due_at) VALUES (\(key), \(Timestamp(due)))
                ON CONFLICT (storage_key) DO UPDATE SET due_at = EXCLUDED.due_at
                """, logger: $1)
        }
    }

    public func dueBlobDeletions(at date: Date, limit: Int) async throws -> [String] {
        try await pooled {
            try await $0.all("SELECT storage_key FROM blob_deletions WHERE due_at <= \(Timestamp(date)) ORDER BY due_at LIMIT \(limit)",
                logger: $1) { try $0.next(String.self) }
        }
    }

    public func forgetBlobDeletion(key: String) async throws {
        try await pooled { try await $0.run("DELETE FROM blob_deletions WHERE storage_key = \(key)", logger: $1) }
    }

    public func attachmentTotals() async throws -> (count: Int, bytes: Int64) {
        let totals = try await pooled {
            try await $0.first("SELECT count(*), coalesce(sum(size), 0)::bigint FROM attachments", logger: $1) {
                (try $0.next(Int64.self), try $0.next(Int64.self))
            }
        }
        return (Int(totals?.0 ?? 0), totals?.1 ?? 0)
    }

    // MARK: Inside a transaction

    static func fetchAttachment(_ connection: PostgresConnection, _ logger: Logger, id: AttachmentID) async throws -> Attachment? {
        try await connection.first("SELECT \(unescaped: attachmentColumns) FROM \(unescaped: attachmentSource) WHERE a.id = \(id)",
            logger: logger) { try $0.attachment() }
    }

    static func attachments(_ connection: PostgresConnection, _ logger: Logger, ofMessages ids: [ChatMessageID]) async throws
        -> [ChatMessageID: [Attachment]]
    {
        guard !ids.isEmpty else { return [:] }
        let found = try await connection.all("""
            SELECT \(unescaped: attachmentColumns) FROM \(unescaped: attachmentSource)
            WHERE a.message_id = ANY(\(ids.map(\.rawValue))) ORDER BY a.message_id, a.position
            """, logger: logger) { try $0.attachment() }
        return Dictionary(grouping: found, by: { $0.messageID! })
    }

    /// Gives the sender's unused attachments to a new message, in order; any other id fails the post.
    static func attach(_ connection: PostgresConnection, _ logger: Logger, _ ids: [AttachmentID], to message: ChatMessageID, sender: UserID)
        async throws -> [Attachment]
    {
        for (position, id) in ids.enumerated() {
            guard try await connection.first("""
                UPDATE attachments SET message_id = \(message), position = \(Int64(position))
                WHERE id = \(id) AND uploader_id = \(sender) AND message_id IS NULL RETURNING id
                """, logger: logger, { try $0.next(AttachmentID.self) }) != nil
            else { throw StoreError.attachmentUnavailable }
        }
        return ids.isEmpty ? [] : try await attachments(connection, logger, ofMessages: [message])[message] ?? []
    }

    /// Fills in the attachments of messages read without them.
    static func withAttachments(_ connection: PostgresConnection, _ logger: Logger, _ messages: [ChatMessage]) async throws -> [ChatMessage] {
        guard !messages.isEmpty else { return messages }
        let found = try await attachments(connection, logger, ofMessages: messages.map(\.id))
        guard !found.isEmpty else { return messages }
        return messages.map { message in
            var message = message
            message.attachments = found[message.id] ?? []
            return message
        }
    }
}

extension RowReader {
    /// The columns of `PostgresStore.attachmentColumns`, in order.
    mutating func attachment() throws -> Attachment {
        let id = try next(AttachmentID.self), uploader = try next(UserID.self), key = try next(String.self), name = try next(String.self)
        let type = try next(String.self), size = try next(Int64.self), sha = try next(String.self)
        let width = try next(Int64?.self), height = try next(Int64?.self)
        let thumbKey = try next(String?.self), thumbWidth = try next(Int64?.self), thumbHeight = try next(Int64?.self)
        let message = try next(ChatMessageID?.self), conversation = try next(ConversationID?.self), created = try next(Timestamp.self)
        return Attachment(
            id: id, uploaderID: uploader, storageKey: key, name: name, mimeType: type, size: size, sha256: sha,
            width: width.map { Int($0) }, height: height.map { Int($0) },
            thumbnail: thumbKey.map { Attachment.Thumbnail(storageKey: $0, width: Int(thumbWidth ?? 0), height: Int(thumbHeight ?? 0)) },
            messageID: message, conversationID: conversation, createdAt: created.date)
    }
}
