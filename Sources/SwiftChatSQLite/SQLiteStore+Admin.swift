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
}
