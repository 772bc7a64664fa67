import Foundation
import PostgresNIO
import SwiftChatCore

extension PostgresStore {
    public func createAdminSession(_ session: AdminSession) async throws {
        try await pooled { connection, logger in
            try await connection.run("""
                INSERT INTO admin_sessions (token_hash, user_id, csrf_token, created_at, expires_at)
                VALUES (\(session.tokenHash), \(session.userID), \(session.csrfToken), \(Timestamp(session.createdAt)), \(Timestamp(session.expiresAt)))
                """, logger: logger)
        }
    }

    public func adminSession(tokenHash: String, now: Date) async throws -> AdminSession? {
        try await pooled { connection, logger in
            try await connection.first("""
                SELECT token_hash, user_id, csrf_token, created_at, expires_at FROM admin_sessions
                WHERE token_hash = \(tokenHash) AND expires_at > \(Timestamp(now))
                """, logger: logger) { row in
                AdminSession(
                    tokenHash: try row.next(), userID: try row.next(), csrfToken: try row.next(), createdAt: try row.next(Timestamp.self).date,
                    expiresAt: try row.next(Timestamp.self).date)
            }
        }
    }

    public func deleteAdminSession(tokenHash: String) async throws {
        try await pooled { try await $0.run("DELETE FROM admin_sessions WHERE token_hash = \(tokenHash)", logger: $1) }
    }

    public func deleteAdminSessions(of user: UserID) async throws {
        try await pooled { try await $0.run("DELETE FROM admin_sessions WHERE user_id = \(user)", logger: $1) }
    }

    public func purgeAdminSessions(before date: Date) async throws -> Int {
        try await pooled { connection, logger in
            try await connection.all("DELETE FROM admin_sessions WHERE expires_at < \(Timestamp(date)) RETURNING 1", logger: logger) { _ in 1 }.count
        }
    }

    public func appendAudit(_ entry: AuditEntry) async throws {
        try await pooled { connection, logger in
            try await connection.run("""
                INSERT INTO admin_audit (actor_id, actor_phone, action, target, before, after, at)
                VALUES (\(entry.actorID), \(entry.actorPhone), \(entry.action), \(entry.target), \(entry.before), \(entry.after), \(Timestamp(entry.at)))
                """, logger: logger)
        }
    }

    public func auditEntries(before id: Int64?, limit: Int) async throws -> [AuditEntry] {
        try await pooled { connection, logger in
            try await connection.all("""
                SELECT id, actor_id, actor_phone, action, target, before, after, at FROM admin_audit
                WHERE id < \(id ?? Int64.max) ORDER BY id DESC LIMIT \(Int64(max(0, limit)))
                """, logger: logger) { row in
                AuditEntry(
                    id: try row.next(), actorID: try row.next(), actorPhone: try row.next(), action: try row.next(), target: try row.next(),
                    before: try row.next(), after: try row.next(), at: try row.next(Timestamp.self).date)
            }
        }
    }

    public func setPasswordHash(of user: UserID, _ hash: String) async throws {
        try await pooled { try await $0.run("UPDATE users SET password = \(hash) WHERE id = \(user)", logger: $1) }
    }

    public func messageCount(by user: UserID) async throws -> Int {
        try await count("SELECT count(*) FROM chat_messages WHERE user_id = \(user)")
    }

    public func messageCount(since date: Date) async throws -> Int {
        try await count("SELECT count(*) FROM chat_messages WHERE created_at >= \(Timestamp(date))")
    }

    public func attachmentBytesStored() async throws -> Int64 {
        try await pooled { connection, logger in
            try await connection.first("SELECT coalesce(sum(size), 0)::BIGINT FROM attachments", logger: logger) { try $0.next(Int64.self) } ?? 0
        }
    }

    public func interests(before: InterestID?, involving user: UserID?, accepted: Bool?, limit: Int) async throws -> [Interest] {
        let party = user?.rawValue
        return try await pooled { connection, logger in
            try await connection.all("""
                SELECT \(unescaped: Self.interestColumns) FROM interests
                WHERE id < \(before?.rawValue ?? Int64.max) AND (\(party)::BIGINT IS NULL OR sent_by_id = \(party) OR sent_to_id = \(party))
                  AND (\(accepted)::BOOLEAN IS NULL OR is_accepted = \(accepted))
                ORDER BY id DESC LIMIT \(Int64(max(0, limit)))
                """, logger: logger) { try $0.interest() }
        }
    }

    public func interestCount(involving user: UserID) async throws -> Int {
        try await count("SELECT count(*) FROM interests WHERE sent_by_id = \(user) OR sent_to_id = \(user)")
    }

    public func groupCount(of user: UserID) async throws -> Int {
        try await count("""
            SELECT count(*) FROM conversation_members cm JOIN conversations c ON c.id = cm.conversation_id
            WHERE cm.user_id = \(user) AND c.kind = 'group'
            """)
    }

    public func messageCount(in conversation: ConversationID) async throws -> Int {
        try await count("SELECT count(*) FROM chat_messages WHERE conversation_id = \(conversation)")
    }

    public func messageCount(ofInterest interest: InterestID) async throws -> Int {
        try await count("SELECT count(*) FROM chat_messages WHERE interest_id = \(interest)")
    }

    public func conversationID(ofInterest interest: InterestID) async throws -> ConversationID? {
        try await pooled { connection, logger in
            try await connection.first("SELECT id FROM conversations WHERE interest_id = \(interest)", logger: logger) {
                ConversationID(rawValue: try $0.next(Int64.self))
            }
        }
    }

    public func conversationIDs(before: ConversationID?, groupsOnly: Bool, limit: Int) async throws -> [ConversationID] {
        try await pooled { connection, logger in
            try await connection.all("""
                SELECT id FROM conversations WHERE id < \(before?.rawValue ?? Int64.max) AND (NOT \(groupsOnly) OR kind = 'group')
                ORDER BY id DESC LIMIT \(Int64(max(0, limit)))
                """, logger: logger) { ConversationID(rawValue: try $0.next(Int64.self)) }
        }
    }

    public func messages(before: ChatMessageID?, in conversation: ConversationID?, from sender: UserID?, limit: Int) async throws -> [ChatMessage] {
        let (only, by) = (conversation?.rawValue, sender?.rawValue)
        return try await pooled { connection, logger in
            let found = try await connection.all("""
                SELECT \(unescaped: Self.messageColumns) FROM chat_messages
                WHERE id < \(before?.rawValue ?? Int64.max) AND (\(only)::BIGINT IS NULL OR conversation_id = \(only))
                  AND (\(by)::BIGINT IS NULL OR user_id = \(by))
                ORDER BY id DESC LIMIT \(Int64(max(0, limit)))
                """, logger: logger) { try $0.message() }
            return try await Self.withAttachments(connection, logger, found)
        }
    }

    /// The single count a query answers.
    private func count(_ query: PostgresQuery) async throws -> Int {
        try await pooled { connection, logger in Int(try await connection.first(query, logger: logger) { try $0.next(Int64.self) } ?? 0) }
    }
}
