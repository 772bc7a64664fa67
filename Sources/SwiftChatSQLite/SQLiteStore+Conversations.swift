import Foundation
import GRDB
import SwiftChatCore

extension SQLiteStore {
    public func conversations(of user: UserID, after cursor: ConversationCursor?, limit: Int) async throws -> ConversationPage {
        try await read { db in
            var sql = """
                SELECT c.id, c.activity_at FROM conversation_members cm JOIN conversations c ON c.id = cm.conversation_id
                WHERE cm.user_id = ?
                """
            var arguments: StatementArguments = [user]
            if let cursor {
                sql += " AND (c.activity_at < ? OR (c.activity_at = ? AND c.id < ?))"
                _ = arguments.append(contentsOf: [cursor.activityMicros, cursor.activityMicros, cursor.id])
            }
            sql += " ORDER BY c.activity_at DESC, c.id DESC LIMIT ?"
            _ = arguments.append(contentsOf: [limit + 1])
            let rows = try db.fetchRows(sql: sql, arguments: arguments)
            let page = rows.prefix(limit)
            let conversations = try page.compactMap { try Self.loadConversation(db, id: $0["id"]) }
            let next = rows.count > limit ? page.last.map { ConversationCursor(activityMicros: $0["activity_at"], id: $0["id"]) } : nil
            return ConversationPage(conversations: conversations, next: next)
        }
    }

    public func conversation(id: ConversationID) async throws -> Conversation? {
        try await read { db in try Self.loadConversation(db, id: id) }
    }

    public func role(of user: UserID, in conversation: ConversationID) async throws -> MemberRole? {
        try await read { db in
            try db.fetchRow(sql: "SELECT role FROM conversation_members WHERE conversation_id = ? AND user_id = ?", arguments: [conversation, user])
                .flatMap { MemberRole(rawValue: $0["role"]) }
        }
    }

    public func coMembers(of user: UserID) async throws -> [UserID] {
        try await read { db in
            try db.fetchRows(sql: """
                SELECT DISTINCT other.user_id FROM conversation_members mine
                JOIN conversation_members other ON other.conversation_id = mine.conversation_id
                WHERE mine.user_id = ? AND other.user_id <> ? ORDER BY other.user_id
                """, arguments: [user, user]).map { $0["user_id"] }
        }
    }

    public func memberIDs(of conversation: ConversationID) async throws -> [UserID] {
        try await read { db in try Self.memberIDs(db, conversation: conversation) }
    }

    public func createGroup(title: String, by creator: UserID, members: [UserID], at date: Date) async throws -> Conversation {
        try await write { db in
            let micros = Micros.from(date)
            try db.run(sql: "INSERT INTO conversations (kind, title, created_at, created_by, activity_at) VALUES ('group', ?, ?, ?, ?)",
                arguments: [title, micros, creator, micros])
            let id: ConversationID = db.lastInsertedID()
            try Self.insertMember(db, conversation: id, user: creator, role: .owner, micros: micros)
            for member in Self.distinct(members) where member != creator {
                try Self.insertMember(db, conversation: id, user: member, role: .member, micros: micros)
            }
            let conversation = try Self.loadConversation(db, id: id).orMissing()
            try Self.append(db, [EventDrafts.conversation(.conversationCreated, conversation, recipients: conversation.memberIDs)], micros: micros)
            return conversation
        }
    }

    public func renameGroup(_ id: ConversationID, title: String, at date: Date) async throws -> Conversation? {
        try await write { db in
            try db.run(sql: "UPDATE conversations SET title = ? WHERE id = ? AND kind = 'group'", arguments: [title, id])
            guard db.changesCount > 0, let conversation = try Self.loadConversation(db, id: id) else { return nil }
            try Self.append(db, [EventDrafts.conversation(.conversationUpdated, conversation, recipients: conversation.memberIDs)], micros: Micros.from(date))
            return conversation
        }
    }

    public func deleteGroup(_ id: ConversationID, at date: Date) async throws -> Bool {
        try await write { db in
            let members = try Self.memberIDs(db, conversation: id)
            try db.run(sql: "DELETE FROM conversations WHERE id = ? AND kind = 'group'", arguments: [id])
            guard db.changesCount > 0 else { return false }
            try Self.append(db, [EventDrafts.conversationDeleted(id, recipients: members)], micros: Micros.from(date))
            return true
        }
    }

    public func addMember(_ user: UserID, to id: ConversationID, role: MemberRole, maxMembers: Int, at date: Date) async throws -> ConversationMember? {
        try await write { db in
            guard try db.fetchRow(sql: "SELECT 1 FROM conversations WHERE id = ? AND kind = 'group'", arguments: [id]) != nil else { return nil }
            let before = try Self.memberIDs(db, conversation: id)
            if before.contains(user) { throw StoreError.conflict }
            guard before.count < maxMembers else { throw StoreError.limitReached }
            let micros = Micros.from(date)
            try Self.insertMember(db, conversation: id, user: user, role: role, micros: micros)
            let conversation = try Self.loadConversation(db, id: id).orMissing()
            try Self.append(db, [
                EventDrafts.conversation(.conversationCreated, conversation, recipients: [user]),
                EventDrafts.member(.memberAdded, conversation: id, user: user, role: role, recipients: before),
            ], micros: micros)
            return conversation.member(user)
        }
    }

    public func changeRole(of user: UserID, in id: ConversationID, to role: MemberRole, at date: Date) async throws -> ConversationMember? {
        try await write { db in
            let previousOwners = role == .owner
                ? try db.fetchRows(sql: "SELECT user_id FROM conversation_members WHERE conversation_id = ? AND role = 'owner' AND user_id <> ?",
                    arguments: [id, user]).map { $0["user_id"] as UserID }
                : []
            try db.run(sql: "UPDATE conversation_members SET role = ? WHERE conversation_id = ? AND user_id = ?", arguments: [role.rawValue, id, user])
            guard db.changesCount > 0 else { return nil }
            // One owner: handing ownership on makes the old owner an admin, in the same change.
            for owner in previousOwners {
                try db.run(sql: "UPDATE conversation_members SET role = 'admin' WHERE conversation_id = ? AND user_id = ?", arguments: [id, owner])
            }
            guard let conversation = try Self.loadConversation(db, id: id) else { return nil }
            let everyone = conversation.memberIDs
            try Self.append(db, [EventDrafts.member(.memberUpdated, conversation: id, user: user, role: role, recipients: everyone)]
                + previousOwners.map { EventDrafts.member(.memberUpdated, conversation: id, user: $0, role: .admin, recipients: everyone) },
                micros: Micros.from(date))
            return conversation.member(user)
        }
    }

    public func removeMember(_ user: UserID, from id: ConversationID, at date: Date) async throws -> RemovalOutcome {
        try await write { db in try Self.removeMember(db, user: user, conversation: id, micros: Micros.from(date)) }
    }

    public func messages(in id: ConversationID, window: MessageWindow, limit: Int) async throws -> MessagePage {
        try await read { db in
            let columns = Self.messageColumns
            let rows: [Row]
            switch window {
            case .latest:
                rows = try db.fetchRows(sql: "SELECT \(columns) FROM chat_messages WHERE conversation_id = ? ORDER BY id DESC LIMIT ?",
                    arguments: [id, limit + 1])
            case .before(let message):
                rows = try db.fetchRows(sql: "SELECT \(columns) FROM chat_messages WHERE conversation_id = ? AND id < ? ORDER BY id DESC LIMIT ?",
                    arguments: [id, message, limit + 1])
            case .after(let message):
                rows = try db.fetchRows(sql: "SELECT \(columns) FROM chat_messages WHERE conversation_id = ? AND id > ? ORDER BY id LIMIT ?",
                    arguments: [id, message, limit + 1])
            }
            var messages = try Self.withAttachments(db, rows.prefix(limit).map(Self.message(from:)))
            if case .after = window {} else { messages.reverse() }
            return MessagePage(messages: messages, hasMore: rows.count > limit)
        }
    }

    public func postMessage(
        in id: ConversationID, by sender: UserID, text: String, clientID: String?, attachments: [AttachmentID], at date: Date
    ) async throws -> PostOutcome {
        try await write { db in
            if let clientID, let existing = try db.fetchRow(
                sql: "SELECT \(Self.messageColumns) FROM chat_messages WHERE conversation_id = ? AND user_id = ? AND client_id = ?",
                arguments: [id, sender, clientID])
            {
                return .existing(try Self.withAttachments(db, [Self.message(from: existing)])[0])
            }
            guard let interest = try db.fetchRow(sql: "SELECT interest_id FROM conversations WHERE id = ?", arguments: [id]) else {
                throw StoreError.missingReference
            }
            return .created(try Self.insertMessage(db, conversation: id, interest: interest["interest_id"], sender: sender, text: text,
                clientID: clientID, attachments: attachments, micros: Micros.from(date)))
        }
    }

    // MARK: Inside a write

    /// Inserts a message, moves the conversation's activity, and tells every member.
    static func insertMessage(
        _ db: Database, conversation: ConversationID, interest: InterestID?, sender: UserID, text: String, clientID: String?,
        attachments: [AttachmentID] = [], micros: Int64
    ) throws -> ChatMessage {
        try db.run(sql: "INSERT INTO chat_messages (conversation_id, interest_id, user_id, message, client_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [conversation, interest, sender, text, clientID, micros])
        var message = ChatMessage(
            id: db.lastInsertedID(), conversationID: conversation, interestID: interest, userID: sender, message: text, clientID: clientID,
            createdAt: Micros.date(micros))
        message.attachments = try attach(db, attachments, to: message.id, sender: sender)
        try db.run(sql: "UPDATE conversations SET latest_message_id = ?, activity_at = max(activity_at, ?) WHERE id = ?",
            arguments: [message.id, micros, conversation])
        try append(db, [EventDrafts.messageCreated(message, recipients: try memberIDs(db, conversation: conversation))], micros: micros)
        return message
    }

    static func removeMember(_ db: Database, user: UserID, conversation id: ConversationID, micros: Int64) throws -> RemovalOutcome {
        guard let row = try db.fetchRow(sql: "SELECT role FROM conversation_members WHERE conversation_id = ? AND user_id = ?", arguments: [id, user])
        else { return .notMember }
        try db.run(sql: "DELETE FROM conversation_members WHERE conversation_id = ? AND user_id = ?", arguments: [id, user])
        let remaining = try db.fetchRows(sql: """
            SELECT user_id, role FROM conversation_members WHERE conversation_id = ?
            ORDER BY CASE role WHEN 'admin' THEN 0 ELSE 1 END, joined_at, user_id
            """, arguments: [id])
        if remaining.isEmpty {
            try db.run(sql: "DELETE FROM conversations WHERE id = ?", arguments: [id])
            try append(db, [EventDrafts.conversationDeleted(id, recipients: [user])], micros: micros)
            return .groupDeleted
        }
        let everyone = remaining.map { $0["user_id"] as UserID }
        var drafts = [EventDrafts.member(.memberRemoved, conversation: id, user: user, role: nil, recipients: everyone + [user])]
        var newOwner: UserID?
        if MemberRole(rawValue: row["role"]) == .owner, let heir = everyone.first {
            try db.run(sql: "UPDATE conversation_members SET role = 'owner' WHERE conversation_id = ? AND user_id = ?", arguments: [id, heir])
            drafts.append(EventDrafts.member(.memberUpdated, conversation: id, user: heir, role: .owner, recipients: everyone))
            newOwner = heir
        }
        try append(db, drafts, micros: micros)
        return .removed(newOwner: newOwner)
    }

    /// A new member has read what came before they joined.
    static func insertMember(_ db: Database, conversation: ConversationID, user: UserID, role: MemberRole, micros: Int64) throws {
        try db.run(sql: """
            INSERT INTO conversation_members (conversation_id, user_id, role, joined_at, last_read_message_id)
            SELECT ?, ?, ?, ?, latest_message_id FROM conversations WHERE id = ?
            """, arguments: [conversation, user, role.rawValue, micros, conversation])
    }

    static func memberIDs(_ db: Database, conversation: ConversationID) throws -> [UserID] {
        try db.fetchRows(sql: "SELECT user_id FROM conversation_members WHERE conversation_id = ? ORDER BY user_id", arguments: [conversation])
            .map { $0["user_id"] }
    }

    static func loadConversation(_ db: Database, id: ConversationID) throws -> Conversation? {
        guard let row = try db.fetchRow(
            sql: "SELECT id, kind, title, interest_id, created_at, created_by, latest_message_id FROM conversations WHERE id = ?", arguments: [id])
        else { return nil }
        let members = try db.fetchRows(sql: """
            SELECT cm.role, cm.joined_at, cm.last_read_message_id, \(userColumns.split(separator: ",").map { "u." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", "))
            FROM conversation_members cm JOIN users u ON u.id = cm.user_id
            WHERE cm.conversation_id = ? ORDER BY cm.joined_at, cm.user_id
            """, arguments: [id]
        ).map {
            ConversationMember(
                user: user(from: $0), role: MemberRole(rawValue: $0["role"]) ?? .member, joinedAt: Micros.date($0["joined_at"]),
                lastReadMessageID: $0["last_read_message_id"])
        }
        let latest: ChatMessageID? = row["latest_message_id"]
        let lastMessage = try latest.flatMap {
            try db.fetchRow(sql: "SELECT \(messageColumns) FROM chat_messages WHERE id = ?", arguments: [$0]).map(message(from:))
        }.map { try withAttachments(db, [$0])[0] }
        return Conversation(
            id: row["id"], kind: ConversationKind(rawValue: row["kind"]) ?? .group, title: row["title"], interestID: row["interest_id"],
            createdAt: Micros.date(row["created_at"]), createdBy: row["created_by"], members: members, lastMessage: lastMessage)
    }

    static func distinct(_ ids: [UserID]) -> [UserID] {
        var seen = Set<UserID>()
        return ids.filter { seen.insert($0).inserted }
    }
}

extension Optional {
    /// A row this transaction just wrote is there; nil would be a broken invariant.
    func orMissing() throws -> Wrapped {
        guard let self else { throw StoreError.missingReference }
        return self
    }
}
