import Foundation
import PostgresNIO
import SwiftChatCore

/// The SQLite store's conversation rules in PostgreSQL. Every change to a conversation locks
/// its row first, so that member lists and event recipients cannot shift under a change.
extension PostgresStore {
    public func conversations(of user: UserID, after cursor: ConversationCursor?, limit: Int) async throws -> ConversationPage {
        try await pooled { connection, logger in
            let activity = cursor.map { Timestamp(Micros.date($0.activityMicros)) }
            let rows = try await connection.all("""
                SELECT c.id, c.activity_at FROM conversation_members cm JOIN conversations c ON c.id = cm.conversation_id
                WHERE cm.user_id = \(user)
                  AND (\(cursor == nil) OR c.activity_at < \(activity) OR (c.activity_at = \(activity) AND c.id < \(cursor?.id ?? 0)))
                ORDER BY c.activity_at DESC, c.id DESC LIMIT \(limit + 1)
                """, logger: logger) { (try $0.next(ConversationID.self), try $0.next(Timestamp.self)) }
            let page = rows.prefix(limit)
            var conversations: [Conversation] = []
            for (id, _) in page {
                if let conversation = try await Self.loadConversation(connection, logger, id: id) { conversations.append(conversation) }
            }
            let next = rows.count > limit ? page.last.map { ConversationCursor(activityMicros: $0.1.microsSince1970, id: $0.0) } : nil
            return ConversationPage(conversations: conversations, next: next)
        }
    }

    public func conversation(id: ConversationID) async throws -> Conversation? {
        try await pooled { try await Self.loadConversation($0, $1, id: id) }
    }

    public func role(of user: UserID, in conversation: ConversationID) async throws -> MemberRole? {
        try await pooled {
            try await $0.first("SELECT role FROM conversation_members WHERE conversation_id = \(conversation) AND user_id = \(user)", logger: $1) {
                MemberRole(rawValue: try $0.next(String.self))
            } ?? nil
        }
    }

    public func coMembers(of user: UserID) async throws -> [UserID] {
        try await pooled {
            try await $0.all("""
                SELECT DISTINCT other.user_id FROM conversation_members mine
                JOIN conversation_members other ON other.conversation_id = mine.conversation_id
                WHERE mine.user_id = \(user) AND other.user_id <> \(user) ORDER BY other.user_id
                """, logger: $1) { try $0.next(UserID.self) }
        }
    }

    public func memberIDs(of conversation: ConversationID) async throws -> [UserID] {
        try await pooled { try await Self.memberIDs($0, $1, conversation: conversation) }
    }

    public func createGroup(title: String, by creator: UserID, members: [UserID], at date: Date) async throws -> Conversation {
        try await transaction { connection, logger in
            let id = try await connection.first("""
                INSERT INTO conversations (kind, title, created_at, created_by, activity_at)
                VALUES ('group', \(title), \(Timestamp(date)), \(creator), \(Timestamp(date))) RETURNING id
                """, logger: logger) { try $0.next(ConversationID.self) }.orThrow()
            try await Self.insertMember(connection, logger, conversation: id, user: creator, role: .owner, at: date)
            var seen: Set<UserID> = [creator]
            for member in members where seen.insert(member).inserted {
                try await Self.insertMember(connection, logger, conversation: id, user: member, role: .member, at: date)
            }
            let conversation = try await Self.loadConversation(connection, logger, id: id).orThrow()
            try await Self.append(connection, logger, [EventDrafts.conversation(.conversationCreated, conversation, recipients: conversation.memberIDs)], at: date)
            return conversation
        }
    }

    public func renameGroup(_ id: ConversationID, title: String, at date: Date) async throws -> Conversation? {
        try await transaction { connection, logger in
            guard try await connection.first("UPDATE conversations SET title = \(title) WHERE id = \(id) AND kind = 'group' RETURNING id",
                logger: logger, { try $0.next(Int64.self) }) != nil,
                let conversation = try await Self.loadConversation(connection, logger, id: id)
            else { return nil }
            try await Self.append(connection, logger, [EventDrafts.conversation(.conversationUpdated, conversation, recipients: conversation.memberIDs)], at: date)
            return conversation
        }
    }

    public func deleteGroup(_ id: ConversationID, at date: Date) async throws -> Bool {
        try await transaction { connection, logger in
            guard try await Self.lockGroup(connection, logger, id) else { return false }
            let members = try await Self.memberIDs(connection, logger, conversation: id)
            try await connection.run("DELETE FROM conversations WHERE id = \(id)", logger: logger)
            try await Self.append(connection, logger, [EventDrafts.conversationDeleted(id, recipients: members)], at: date)
            return true
        }
    }

    public func addMember(_ user: UserID, to id: ConversationID, role: MemberRole, maxMembers: Int, at date: Date) async throws -> ConversationMember? {
        try await transaction { connection, logger in
            guard try await Self.lockGroup(connection, logger, id) else { return nil }
            let before = try await Self.memberIDs(connection, logger, conversation: id)
            if before.contains(user) { throw StoreError.conflict }
            guard before.count < maxMembers else { throw StoreError.limitReached }
            try await Self.insertMember(connection, logger, conversation: id, user: user, role: role, at: date)
            let conversation = try await Self.loadConversation(connection, logger, id: id).orThrow()
            try await Self.append(connection, logger, [
                EventDrafts.conversation(.conversationCreated, conversation, recipients: [user]),
                EventDrafts.member(.memberAdded, conversation: id, user: user, role: role, recipients: before),
            ], at: date)
            return conversation.member(user)
        }
    }

    public func changeRole(of user: UserID, in id: ConversationID, to role: MemberRole, at date: Date) async throws -> ConversationMember? {
        try await transaction { connection, logger in
            guard try await Self.lockGroup(connection, logger, id),
                try await connection.first("""
                    UPDATE conversation_members SET role = \(role.rawValue) WHERE conversation_id = \(id) AND user_id = \(user) RETURNING user_id
                    """, logger: logger, { try $0.next(Int64.self) }) != nil
            else { return nil }
            // One owner: handing ownership on makes the old owner an admin, in the same change.
            let previousOwners = role == .owner
                ? try await connection.all("""
                    UPDATE conversation_members SET role = 'admin' WHERE conversation_id = \(id) AND role = 'owner' AND user_id <> \(user) RETURNING user_id
                    """, logger: logger) { try $0.next(UserID.self) }
                : []
            guard let conversation = try await Self.loadConversation(connection, logger, id: id) else { return nil }
            let everyone = conversation.memberIDs
            try await Self.append(connection, logger,
                [EventDrafts.member(.memberUpdated, conversation: id, user: user, role: role, recipients: everyone)]
                    + previousOwners.map { EventDrafts.member(.memberUpdated, conversation: id, user: $0, role: .admin, recipients: everyone) },
                at: date)
            return conversation.member(user)
        }
    }

    public func removeMember(_ user: UserID, from id: ConversationID, at date: Date) async throws -> RemovalOutcome {
        try await transaction { try await Self.removeMember($0, $1, user: user, conversation: id, at: date) }
    }

    public func messages(in id: ConversationID, window: MessageWindow, limit: Int) async throws -> MessagePage {
        try await pooled { connection, logger in
            let columns = Self.messageColumns
            var messages: [ChatMessage]
            switch window {
            case .latest:
                messages = try await connection.all("""
                    SELECT \(unescaped: columns) FROM chat_messages WHERE conversation_id = \(id) ORDER BY id DESC LIMIT \(limit + 1)
                    """, logger: logger) { try $0.message() }
            case .before(let message):
                messages = try await connection.all("""
                    SELECT \(unescaped: columns) FROM chat_messages WHERE conversation_id = \(id) AND id < \(message) ORDER BY id DESC LIMIT \(limit + 1)
                    """, logger: logger) { try $0.message() }
            case .after(let message):
                messages = try await connection.all("""
                    SELECT \(unescaped: columns) FROM chat_messages WHERE conversation_id = \(id) AND id > \(message) ORDER BY id LIMIT \(limit + 1)
                    """, logger: logger) { try $0.message() }
            }
            let hasMore = messages.count > limit
            messages = try await Self.withAttachments(connection, logger, Array(messages.prefix(limit)))
            if case .after = window {} else { messages.reverse() }
            return MessagePage(messages: messages, hasMore: hasMore)
        }
    }

    public func postMessage(
        in id: ConversationID, by sender: UserID, text: String, clientID: String?, attachments: [AttachmentID], at date: Date
    ) async throws -> PostOutcome {
        try await transaction { connection, logger in
            guard let interest = try await connection.first("SELECT interest_id FROM conversations WHERE id = \(id) FOR UPDATE", logger: logger, {
                try $0.next(InterestID?.self)
            }) else { throw StoreError.missingReference }
            if let clientID, let existing = try await connection.first("""
                SELECT \(unescaped: Self.messageColumns) FROM chat_messages WHERE conversation_id = \(id) AND user_id = \(sender) AND client_id = \(clientID)
                """, logger: logger, { try $0.message() })
            {
                return .existing(try await Self.withAttachments(connection, logger, [existing])[0])
            }
            return .created(try await Self.insertMessage(connection, logger, conversation: id, interest: interest, sender: sender, text: text,
                clientID: clientID, attachments: attachments, at: date))
        }
    }

    // MARK: Inside a transaction

    static func insertMessage(
        _ connection: PostgresConnection, _ logger: Logger, conversation: ConversationID, interest: InterestID?, sender: UserID, text: String,
        clientID: String?, attachments: [AttachmentID] = [], at date: Date
    ) async throws -> ChatMessage {
        var message = try await connection.first("""
            INSERT INTO chat_messages (conversation_id, interest_id, user_id, message, client_id, created_at)
            VALUES (\(conversation), \(interest), \(sender), \(text), \(clientID), \(Timestamp(date)))
            RETURNING \(unescaped: messageColumns)
            """, logger: logger) { try $0.message() }.orThrow()
        message.attachments = try await attach(connection, logger, attachments, to: message.id, sender: sender)
        try await connection.run("""
            UPDATE conversations SET latest_message_id = \(message.id), activity_at = GREATEST(activity_at, \(Timestamp(date))) WHERE id = \(conversation)
            """, logger: logger)
        let members = try await memberIDs(connection, logger, conversation: conversation)
        try await append(connection, logger, [EventDrafts.messageCreated(message, recipients: members)], at: date)
        return message
    }

    static func removeMember(_ connection: PostgresConnection, _ logger: Logger, user: UserID, conversation id: ConversationID, at date: Date) async throws -> RemovalOutcome {
        guard try await lockGroup(connection, logger, id) else { return .notMember }
        guard let role = try await connection.first("""
            DELETE FROM conversation_members WHERE conversation_id = \(id) AND user_id = \(user) RETURNING role
            """, logger: logger, { try $0.next(String.self) }) else { return .notMember }
        let remaining = try await connection.all("""
            SELECT user_id FROM conversation_members WHERE conversation_id = \(id)
            ORDER BY CASE role WHEN 'admin' THEN 0 ELSE 1 END, joined_at, user_id
            """, logger: logger) { try $0.next(UserID.self) }
        if remaining.isEmpty {
            try await connection.run("DELETE FROM conversations WHERE id = \(id)", logger: logger)
            try await append(connection, logger, [EventDrafts.conversationDeleted(id, recipients: [user])], at: date)
            return .groupDeleted
        }
        var drafts = [EventDrafts.member(.memberRemoved, conversation: id, user: user, role: nil, recipients: remaining + [user])]
        var newOwner: UserID?
        if MemberRole(rawValue: role) == .owner, let heir = remaining.first {
            try await connection.run("UPDATE conversation_members SET role = 'owner' WHERE conversation_id = \(id) AND user_id = \(heir)", logger: logger)
            drafts.append(EventDrafts.member(.memberUpdated, conversation: id, user: heir, role: .owner, recipients: remaining))
            newOwner = heir
        }
        try await append(connection, logger, drafts, at: date)
        return .removed(newOwner: newOwner)
    }

    /// Locks a group's row for the rest of the transaction; false when there is no such group.
    static func lockGroup(_ connection: PostgresConnection, _ logger: Logger, _ id: ConversationID) async throws -> Bool {
        try await connection.first("SELECT id FROM conversations WHERE id = \(id) AND kind = 'group' FOR UPDATE", logger: logger) {
            try $0.next(Int64.self)
        } != nil
    }

    /// A new member has read what came before they joined.
    static func insertMember(_ connection: PostgresConnection, _ logger: Logger, conversation: ConversationID, user: UserID, role: MemberRole, at date: Date) async throws {
        try await connection.run("""
            INSERT INTO conversation_members (conversation_id, user_id, role, joined_at, last_read_message_id)
            SELECT \(conversation), \(user), \(role.rawValue), \(Timestamp(date)), latest_message_id FROM conversations WHERE id = \(conversation)
            """, logger: logger)
    }

    static func memberIDs(_ connection: PostgresConnection, _ logger: Logger, conversation: ConversationID) async throws -> [UserID] {
        try await connection.all("SELECT user_id FROM conversation_members WHERE conversation_id = \(conversation) ORDER BY user_id", logger: logger) {
            try $0.next(UserID.self)
        }
    }

    static func loadConversation(_ connection: PostgresConnection, _ logger: Logger, id: ConversationID) async throws -> Conversation? {
        guard let head = try await connection.first("""
            SELECT id, kind, title, interest_id, created_at, created_by, latest_message_id FROM conversations WHERE id = \(id)
            """, logger: logger, {
                (id: try $0.next(ConversationID.self), kind: try $0.next(String.self), title: try $0.next(String?.self), interest: try $0.next(InterestID?.self),
                 createdAt: try $0.next(Timestamp.self), createdBy: try $0.next(UserID.self), latest: try $0.next(ChatMessageID?.self))
            })
        else { return nil }
        let userColumns = userColumns.split(separator: ",").map { "u." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")
        let members = try await connection.all("""
            SELECT \(unescaped: userColumns), cm.role, cm.joined_at, cm.last_read_message_id
            FROM conversation_members cm JOIN users u ON u.id = cm.user_id
            WHERE cm.conversation_id = \(id) ORDER BY cm.joined_at, cm.user_id
            """, logger: logger) {
            ConversationMember(
                user: try $0.user(), role: MemberRole(rawValue: try $0.next(String.self)) ?? .member, joinedAt: try $0.next(Timestamp.self).date,
                lastReadMessageID: try $0.next(ChatMessageID?.self))
        }
        var lastMessage: ChatMessage?
        if let latest = head.latest {
            lastMessage = try await connection.first("SELECT \(unescaped: messageColumns) FROM chat_messages WHERE id = \(latest)", logger: logger) {
                try $0.message()
            }
            if let found = lastMessage { lastMessage = try await withAttachments(connection, logger, [found])[0] }
        }
        return Conversation(
            id: head.id, kind: ConversationKind(rawValue: head.kind) ?? .group, title: head.title, interestID: head.interest,
            createdAt: head.createdAt.date, createdBy: head.createdBy, members: members, lastMessage: lastMessage)
    }
}
