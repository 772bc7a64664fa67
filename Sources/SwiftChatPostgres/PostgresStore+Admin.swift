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
        try await pooled { connection, logger in
            Int(try await connection.first("SELECT count(*) FROM chat_messages WHERE user_id = \(user)", logger: logger) { try $0.next(Int64.self) } ?? 0)
        }
    }
}
