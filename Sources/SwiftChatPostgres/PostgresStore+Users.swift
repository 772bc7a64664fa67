import Foundation
import PostgresNIO
import SwiftChatCore

extension PostgresStore {
    static let userColumns = "id, phone_number, email, first_name, last_name, password, is_active, is_staff, is_superuser, date_joined"

    public func user(id: UserID) async throws -> User? {
        try await pooled { try await $0.first("SELECT \(unescaped: Self.userColumns) FROM users WHERE id = \(id)", logger: $1) { try $0.user() } }
    }

    public func user(phoneNumber: String) async throws -> User? {
        try await pooled {
            try await $0.first("SELECT \(unescaped: Self.userColumns) FROM users WHERE phone_number = \(phoneNumber)", logger: $1) { try $0.user() }
        }
    }

    public func users(excluding excluded: UserID) async throws -> [User] {
        try await pooled {
            try await $0.all("SELECT \(unescaped: Self.userColumns) FROM users WHERE id <> \(excluded) ORDER BY id", logger: $1) { try $0.user() }
        }
    }

    public func createUser(_ new: NewUser, at date: Date) async throws -> User {
        try await pooled {
            try await $0.first("""
                INSERT INTO users (phone_number, email, first_name, last_name, password, is_staff, is_superuser, date_joined)
                VALUES (\(new.phoneNumber), \(new.email), \(new.firstName), \(new.lastName), \(new.passwordHash), \(new.isStaff),
                        \(new.isSuperuser), \(Timestamp(date)))
                RETURNING \(unescaped: Self.userColumns)
                """, logger: $1) { try $0.user() }
        }.orThrow()
    }

    public func updateProfile(of id: UserID, _ changes: ProfileChanges) async throws -> User? {
        // One fixed statement: a NULL parameter leaves its column as it is, and email (which
        // may be set to NULL) has its own flag.
        let setsEmail = changes.email != nil
        let email = changes.email ?? nil
        return try await pooled {
            try await $0.first("""
                UPDATE users SET
                    email = CASE WHEN \(setsEmail) THEN \(email) ELSE email END,
                    first_name = COALESCE(\(changes.firstName), first_name),
                    last_name = COALESCE(\(changes.lastName), last_name),
                    is_active = COALESCE(\(changes.isActive), is_active),
                    is_staff = COALESCE(\(changes.isStaff), is_staff)
                WHERE id = \(id)
                RETURNING \(unescaped: Self.userColumns)
                """, logger: $1) { try $0.user() }
        }
    }

    public func deleteUser(id: UserID) async throws -> [Interest]? {
        try await transaction { connection, logger in
            // Locks the user first: an interest being created with them waits, then fails as a
            // missing reference, so none is deleted by the cascade without being returned.
            guard try await connection.first("SELECT id FROM users WHERE id = \(id) FOR UPDATE", logger: logger, { try $0.next(Int64.self) }) != nil
            else { return nil }
            // Groups first (ownership handed on, the rest told), then interests with their conversations.
            // Every group row is locked at once, in id order, before any event head: a post in one of
            // them (group row, then heads) cannot then wait in a cycle with this transaction.
            let groups = try await connection.all("""
                SELECT cm.conversation_id FROM conversation_members cm JOIN conversations c ON c.id = cm.conversation_id
                WHERE cm.user_id = \(id) AND c.kind = 'group' ORDER BY cm.conversation_id
                FOR UPDATE OF c
                """, logger: logger) { try $0.next(ConversationID.self) }
            for group in groups { _ = try await Self.removeMember(connection, logger, user: id, conversation: group, at: Date()) }
            let interests = try await connection.all(
                "SELECT \(unescaped: Self.interestColumns) FROM interests WHERE sent_by_id = \(id) OR sent_to_id = \(id) ORDER BY id", logger: logger
            ) { try $0.interest() }
            for interest in interests { _ = try await Self.deleteInterest(connection, logger, id: interest.id, at: Date()) }
            try await connection.run("DELETE FROM users WHERE id = \(id)", logger: logger)
            return interests
        }
    }

    public func userCount() async throws -> Int {
        try await pooled { try await $0.first("SELECT count(*) FROM users", logger: $1) { try $0.next(Int.self) } ?? 0 }
    }
}

extension PostgresStore {
    static let otpColumns = "phone_number, otp_for, code_hash, expire_at, failed_attempts"

    public func pendingOTP(phoneNumber: String, purpose: OTPPurpose) async throws -> PendingOTP? {
        try await pooled {
            try await $0.first(
                "SELECT \(unescaped: Self.otpColumns) FROM otp_codes WHERE phone_number = \(phoneNumber) AND otp_for = \(purpose.rawValue)",
                logger: $1) { try $0.pendingOTP() }
        }
    }

    public func saveOTP(_ otp: PendingOTP) async throws {
        try await pooled {
            try await $0.run("""
                INSERT INTO otp_codes (phone_number, otp_for, code_hash, expire_at, failed_attempts)
                VALUES (\(otp.phoneNumber), \(otp.purpose.rawValue), \(otp.codeHash), \(Timestamp(otp.expiresAt)), \(otp.failedAttempts))
                ON CONFLICT (phone_number, otp_for) DO UPDATE SET
                    code_hash = excluded.code_hash, expire_at = excluded.expire_at, failed_attempts = excluded.failed_attempts
                """, logger: $1)
        }
    }

    public func deleteOTP(phoneNumber: String, purpose: OTPPurpose) async throws {
        try await pooled {
            try await $0.run("DELETE FROM otp_codes WHERE phone_number = \(phoneNumber) AND otp_for = \(purpose.rawValue)", logger: $1)
        }
    }

    public func consumeOTP(phoneNumber: String, purpose: OTPPurpose, codeHash: String, now: Date, maxAttempts: Int) async throws -> OTPCheck {
        try await transaction { connection, logger in
            // FOR UPDATE: two requests with the same code cannot both see it pending.
            guard let otp = try await connection.first("""
                    SELECT \(unescaped: Self.otpColumns) FROM otp_codes
                    WHERE phone_number = \(phoneNumber) AND otp_for = \(purpose.rawValue) FOR UPDATE
                    """, logger: logger, { try $0.pendingOTP() })
            else { return .missingOrExpired }
            let expired = otp.expiresAt <= now
            let matches = otp.codeHash == codeHash
            let attempts = otp.failedAttempts + 1
            // A used, expired or exhausted code goes; a wrong guess is counted.
            if expired || matches || attempts >= maxAttempts {
                try await connection.run("DELETE FROM otp_codes WHERE phone_number = \(phoneNumber) AND otp_for = \(purpose.rawValue)", logger: logger)
            } else {
                try await connection.run(
                    "UPDATE otp_codes SET failed_attempts = \(attempts) WHERE phone_number = \(phoneNumber) AND otp_for = \(purpose.rawValue)",
                    logger: logger)
            }
            return expired ? .missingOrExpired : matches ? .accepted : .wrongCode
        }
    }

    public func purgeExpiredOTPs(before date: Date) async throws -> Int {
        try await pooled {
            try await $0.first("WITH gone AS (DELETE FROM otp_codes WHERE expire_at <= \(Timestamp(date)) RETURNING 1) SELECT count(*) FROM gone",
                logger: $1) { try $0.next(Int.self) } ?? 0
        }
    }
}

extension RowReader {
    mutating func user() throws -> User {
        User(
            id: try next(), phoneNumber: try next(), email: try next(), firstName: try next(), lastName: try next(),
            passwordHash: try next(), isActive: try next(), isStaff: try next(), isSuperuser: try next(),
            dateJoined: try next(Timestamp.self).date)
    }

    mutating func pendingOTP() throws -> PendingOTP {
        let phone: String = try next()
        let purpose = OTPPurpose(rawValue: try next(String.self)) ?? .authLogin
        return PendingOTP(phoneNumber: phone, purpose: purpose, codeHash: try next(), expiresAt: try next(Timestamp.self).date, failedAttempts: try next())
    }
}
