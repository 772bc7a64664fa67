import Foundation
import GRDB
import SwiftChatCore

extension SQLiteStore {
    public func createAdminSession(_ session: AdminSession) async throws {
        try await write { db in
            try db.run(sql: "INSERT INTO admin_sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                arguments: [session.tokenHash, session.userID, session.csrfToken, Micros.from(session.createdAt), Micros.from(session.expiresAt)])
        }
    }

    public func adminSession(tokenHash: String, now: Date) async throws -> AdminSession? {
        try await read { db in
            try db.fetchRow(sql: """
                SELECT token_hash, user_id, csrf_token, created_at, expires_at FROM admin_sessions WHERE token_hash = ? AND expires_at > ?
                """, arguments: [tokenHash, Micros.from(now)]
            ).map { row in
                AdminSession(
                    tokenHash: row[0], userID: row[1], csrfToken: row[2], createdAt: Micros.date(row[3]), expiresAt: Micros.date(row[4]))
            }
        }
    }

    public func deleteAdminSession(tokenHash: String) async throws {
        try await write { db in try db.run(sql: "DELETE FROM admin_sessions WHERE token_hash = ?", arguments: [tokenHash]) }
    }

    public func deleteAdminSessions(of user: UserID) async throws {
        try await write { db in try db.run(sql: "DELETE FROM admin_sessions WHERE user_id = ?", arguments: [user]) }
    }

    public func purgeAdminSessions(before date: Date) async throws -> Int {
        try await write { db in
            try db.run(sql: "DELETE FROM admin_sessions WHERE expires_at < ?", arguments: [Micros.from(date)])
            return db.changesCount
        }
    }

    public func appendAudit(_ entry: AuditEntry) async throws {
        try await write { db in
            try db.run(sql: """
                INSERT INTO admin_audit (actor_id, actor_phone, action, target, before, after, at) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [entry.actorID, entry.actorPhone, entry.action, entry.target, entry.before, entry.after, Micros.from(entry.at)])
        }
    }

    public func auditEntries(before id: Int64?, limit: Int) async throws -> [AuditEntry] {
        try await read { db in
            try db.fetchRows(sql: """
                SELECT id, actor_id, actor_phone, action, target, before, after, at FROM admin_audit WHERE id < ? ORDER BY id DESC LIMIT \(max(0, limit))
                """, arguments: [id ?? Int64.max]
            ).map { row in
                AuditEntry(
                    id: row[0], actorID: row[1], actorPhone: row[2], action: row[3], target: row[4], before: row[5], after: row[6],
                    at: Micros.date(row[7]))
            }
        }
    }

    public func setPasswordHash(of user: UserID, _ hash: String) async throws {
        try await write { db in try db.run(sql: "UPDATE users SET password = ? WHERE id = ?", arguments: [hash, user]) }
    }

    public func messageCount(by user: UserID) async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM chat_messages WHERE user_id = ?", arguments: [user]) ?? 0 }
    }

    public func messageCount(since date: Date) async throws -> Int {
        try await read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM chat_messages WHERE created_at >= ?", arguments: [Micros.from(date)]) ?? 0
        }
    }

    public func attachmentBytesStored() async throws -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT coalesce(sum(size), 0) FROM attachments") ?? 0 }
    }

    public func interests(before: InterestID?, involving user: UserID?, accepted: Bool?, limit: Int) async throws -> [Interest] {
        try await read { db in
            var arguments: StatementArguments = [before?.rawValue ?? Int64.max]
            var clauses = ["id < ?"]
            if let user { clauses.append("(sent_by_id = ? OR sent_to_id = ?)"); arguments += [user, user] }
            if let accepted { clauses.append("is_accepted = ?"); arguments += [accepted] }
            return try db.fetchRows(sql: """
                SELECT \(Self.interestColumns) FROM interests WHERE \(clauses.joined(separator: " AND ")) ORDER BY id DESC LIMIT \(max(0, limit))
                """, arguments: arguments
            ).map(Self.interest(from:))
        }
    }

    public func interestCount(involving user: UserID) async throws -> Int {
        try await read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM interests WHERE sent_by_id = ? OR sent_to_id = ?", arguments: [user, user]) ?? 0
        }
    }

    public func groupCount(of user: UserID) async throws -> Int {
        try await read { db in
            try Int.fetchOne(db, sql: """
                SELECT count(*) FROM conversation_members cm JOIN conversations c ON c.id = cm.conversation_id
                WHERE cm.user_id = ? AND c.kind = 'group'
                """, arguments: [user]) ?? 0
        }
    }

    public func messageCount(in conversation: ConversationID) async throws -> Int {
        try await read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM chat_messages WHERE conversation_id = ?", arguments: [conversation]) ?? 0
        }
    }

    public func messageCount(ofInterest interest: InterestID) async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM chat_messages WHERE interest_id = ?", arguments: [interest]) ?? 0 }
    }

    public func conversationID(ofInterest interest: InterestID) async throws -> ConversationID? {
        try await read { db in
            try Int64.fetchOne(db, sql: "SELECT id FROM conversations WHERE interest_id = ?", arguments: [interest]).map { ConversationID(rawValue: $0) }
        }
    }

    public func conversationIDs(before: ConversationID?, groupsOnly: Bool, limit: Int) async throws -> [ConversationID] {
        try await read { db in
            try Int64.fetchAll(db, sql: """
                SELECT id FROM conversations WHERE id < ? \(groupsOnly ? "AND kind = 'group'" : "") ORDER BY id DESC LIMIT \(max(0, limit))
                """, arguments: [before?.rawValue ?? Int64.max]
            ).map { ConversationID(rawValue: $0) }
        }
    }

    public func messages(before: ChatMessageID?, in conversation: ConversationID?, from sender: UserID?, limit: Int) async throws -> [ChatMessage] {
        try await read { db in
            var arguments: StatementArguments = [before?.rawValue ?? Int64.max]
            var clauses = ["id < ?"]
            if let conversation { clauses.append("conversation_id = ?"); arguments += [conversation] }
            if let sender { clauses.append("user_id = ?"); arguments += [sender] }
            let rows = try db.fetchRows(sql: """
                SELECT \(Self.messageColumns) FROM chat_messages WHERE \(clauses.joined(separator: " AND ")) ORDER BY id DESC LIMIT \(max(0, limit))
                """, arguments: arguments)
            return try Self.withAttachments(db, rows.map(Self.message(from:)))
        }
    }
}
