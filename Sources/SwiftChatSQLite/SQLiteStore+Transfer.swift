import Foundation
import GRDB
import SwiftChatCore

extension SQLiteStore {
    public func tableCounts() async throws -> TableCounts {
        try await read { db in
            let row = try Row.fetchOne(db, sql: """
                SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM otp_codes), (SELECT count(*) FROM interests),
                       (SELECT count(*) FROM chat_messages)
                """)
            return TableCounts(users: row?[0] ?? 0, pendingOTPs: row?[1] ?? 0, interests: row?[2] ?? 0, messages: row?[3] ?? 0)
        }
    }

    public func users(after id: UserID, limit: Int) async throws -> [User] {
        try await read { db in
            try db.fetchRows(sql: "SELECT \(Self.userColumns) FROM users WHERE id > ? ORDER BY id LIMIT ?", arguments: [id, limit])
                .map { Self.user(from: $0) }
        }
    }

    public func interests(after id: InterestID, limit: Int) async throws -> [Interest] {
        try await read { db in
            try db.fetchRows(sql: "SELECT \(Self.interestColumns) FROM interests WHERE id > ? ORDER BY id LIMIT ?", arguments: [id, limit])
                .map(Self.interest(from:))
        }
    }

    public func messages(after id: ChatMessageID, limit: Int) async throws -> [ChatMessage] {
        try await read { db in
            try db.fetchRows(sql: "SELECT \(Self.messageColumns) FROM chat_messages WHERE id > ? ORDER BY id LIMIT ?", arguments: [id, limit])
                .map(Self.message(from:))
        }
    }

    public func allPendingOTPs() async throws -> [PendingOTP] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT phone_number, otp_for, code_hash, expire_at, failed_attempts FROM otp_codes ORDER BY phone_number, otp_for")
                .map {
                    PendingOTP(
                        phoneNumber: $0["phone_number"], purpose: OTPPurpose(rawValue: $0["otp_for"]) ?? .authLogin, codeHash: $0["code_hash"],
                        expiresAt: Micros.date($0["expire_at"]), failedAttempts: $0["failed_attempts"])
                }
        }
    }

    public func importUsers(_ users: [User]) async throws {
        try await write { db in
            for user in users {
                try db.run(sql: """
                        INSERT INTO users (id, phone_number, email, first_name, last_name, password, is_active, is_staff, is_superuser, date_joined)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [user.id, user.phoneNumber, user.email, user.firstName, user.lastName, user.passwordHash, user.isActive,
                                user.isStaff, user.isSuperuser, Micros.from(user.dateJoined)])
            }
        }
    }

    public func importInterests(_ interests: [Interest]) async throws {
        try await write { db in
            for interest in interests {
                try db.run(sql: "INSERT INTO interests (id, sent_by_id, sent_to_id, is_accepted, created_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [interest.id, interest.sentBy, interest.sentTo, interest.isAccepted, Micros.from(interest.createdAt)])
            }
        }
    }

    public func importMessages(_ messages: [ChatMessage]) async throws {
        try await write { db in
            for message in messages {
                try db.run(sql: "INSERT INTO chat_messages (id, interest_id, user_id, message, created_at) VALUES (?, ?, ?, ?, ?)",
                    arguments: [message.id, message.interestID, message.userID, message.message, Micros.from(message.createdAt)])
            }
        }
    }

    public func importPendingOTPs(_ otps: [PendingOTP]) async throws {
        for otp in otps { try await saveOTP(otp) }
    }

    /// AUTOINCREMENT keeps the largest id ever issued in sqlite_sequence.
    public func idWatermarks() async throws -> IDWatermarks {
        try await read { db in
            let marks = try Row.fetchAll(db, sql: "SELECT name, seq FROM sqlite_sequence")
                .reduce(into: [String: Int64]()) { $0[$1["name"]] = $1["seq"] }
            return IDWatermarks(users: marks["users"] ?? 0, interests: marks["interests"] ?? 0, messages: marks["chat_messages"] ?? 0)
        }
    }

    public func finishImport(watermarks: IDWatermarks) async throws {
        try await write { db in
            for (table, mark) in [("users", watermarks.users), ("interests", watermarks.interests), ("chat_messages", watermarks.messages)] {
                try db.execute(sql: "DELETE FROM sqlite_sequence WHERE name = ? AND seq < ?", arguments: [table, mark])
                try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)",
                    arguments: [table, mark, table])
            }
        }
    }
}
