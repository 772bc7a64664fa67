import Foundation
import GRDB
import SwiftChatCore

extension SQLiteStore {
    static let userColumns = "id, phone_number, email, first_name, last_name, password, is_active, is_staff, is_superuser, date_joined"

    static func user(from row: Row, prefix: String = "") -> User {
        User(
            id: row[prefix + "id"], phoneNumber: row[prefix + "phone_number"], email: row[prefix + "email"],
            firstName: row[prefix + "first_name"], lastName: row[prefix + "last_name"], passwordHash: row[prefix + "password"],
            isActive: row[prefix + "is_active"], isStaff: row[prefix + "is_staff"], isSuperuser: row[prefix + "is_superuser"],
            dateJoined: Micros.date(row[prefix + "date_joined"]))
    }

    public func user(id: UserID) async throws -> User? {
        try await read { db in
            try db.fetchRow(sql: "SELECT \(Self.userColumns) FROM users WHERE id = ?", arguments: [id]).map { Self.user(from: $0) }
        }
    }

    public func user(phoneNumber: String) async throws -> User? {
        try await read { db in
            try db.fetchRow(sql: "SELECT \(Self.userColumns) FROM users WHERE phone_number = ?", arguments: [phoneNumber])
                .map { Self.user(from: $0) }
        }
    }

    public func users(excluding excluded: UserID) async throws -> [User] {
        try await read { db in
            try db.fetchRows(sql: "SELECT \(Self.userColumns) FROM users WHERE id <> ? ORDER BY id", arguments: [excluded])
                .map { Self.user(from: $0) }
        }
    }

    public func createUser(_ new: NewUser, at date: Date) async throws -> User {
        try await write { db in
            try db.run(sql: """
                    INSERT INTO users (phone_number, email, first_name, last_name, password, is_staff, is_superuser, date_joined)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [new.phoneNumber, new.email, new.firstName, new.lastName, new.passwordHash, new.isStaff, new.isSuperuser, Micros.from(date)])
            return User(
                id: db.lastInsertedID(), phoneNumber: new.phoneNumber, email: new.email, firstName: new.firstName,
                lastName: new.lastName, passwordHash: new.passwordHash, isStaff: new.isStaff, isSuperuser: new.isSuperuser,
                dateJoined: Micros.date(Micros.from(date)))
        }
    }

    public func updateProfile(of id: UserID, _ changes: ProfileChanges) async throws -> User? {
        try await write { db in
            // Only the fields given change; an email given as nil clears it.
            var columns: [(String, (any DatabaseValueConvertible)?)] = []
            if let email = changes.email { columns.append(("email", email)) }
            if let first = changes.firstName { columns.append(("first_name", first)) }
            if let last = changes.lastName { columns.append(("last_name", last)) }
            if let active = changes.isActive { columns.append(("is_active", active)) }
            if let staff = changes.isStaff { columns.append(("is_staff", staff)) }
            if !columns.isEmpty {
                var arguments = StatementArguments(columns.map(\.1))
                _ = arguments.append(contentsOf: [id])
                let assignments = columns.map { "\($0.0) = ?" }.joined(separator: ", ")
                try db.run(sql: "UPDATE users SET \(assignments) WHERE id = ?", arguments: arguments)
            }
            return try db.fetchRow(sql: "SELECT \(Self.userColumns) FROM users WHERE id = ?", arguments: [id]).map { Self.user(from: $0) }
        }
    }

    /// Leaves every group first (handing ownership on, telling the rest), then deletes the
    /// user's interests with their conversations, then the user.
    public func deleteUser(id: UserID) async throws -> [Interest]? {
        try await write { db in
            guard try db.fetchRow(sql: "SELECT 1 FROM users WHERE id = ?", arguments: [id]) != nil else { return nil }
            let micros = Micros.from(Date())
            let groups = try db.fetchRows(sql: """
                SELECT cm.conversation_id FROM conversation_members cm JOIN conversations c ON c.id = cm.conversation_id
                WHERE cm.user_id = ? AND c.kind = 'group' ORDER BY cm.conversation_id
                """, arguments: [id]).map { $0["conversation_id"] as ConversationID }
            for group in groups { _ = try Self.removeMember(db, user: id, conversation: group, micros: micros) }
            let interests = try db.fetchRows(sql: "SELECT \(Self.interestColumns) FROM interests WHERE sent_by_id = ? OR sent_to_id = ? ORDER BY id",
                arguments: [id, id]).map { Self.interest(from: $0) }
            for interest in interests { _ = try Self.deleteInterest(db, id: interest.id, micros: micros) }
            try db.run(sql: "DELETE FROM users WHERE id = ?", arguments: [id])
            return interests
        }
    }

    public func userCount() async throws -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM users") ?? 0 }
    }
}

extension SQLiteStore {
    public func pendingOTP(phoneNumber: String, purpose: OTPPurpose) async throws -> PendingOTP? {
        try await read { db in
            try db.fetchRow(sql: "SELECT code_hash, expire_at, failed_attempts FROM otp_codes WHERE phone_number = ? AND otp_for = ?",
                arguments: [phoneNumber, purpose.rawValue]
            ).map {
                PendingOTP(phoneNumber: phoneNumber, purpose: purpose, codeHash: $0["code_hash"], expiresAt: Micros.date($0["expire_at"]), failedAttempts: $0["failed_attempts"])
            }
        }
    }

    public func saveOTP(_ otp: PendingOTP) async throws {
        try await write { db in
            try db.run(sql: """
                    INSERT INTO otp_codes (phone_number, otp_for, code_hash, expire_at, failed_attempts) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (phone_number, otp_for) DO UPDATE SET
                        code_hash = excluded.code_hash, expire_at = excluded.expire_at, failed_attempts = excluded.failed_attempts
                    """,
                arguments: [otp.phoneNumber, otp.purpose.rawValue, otp.codeHash, Micros.from(otp.expiresAt), otp.failedAttempts])
        }
    }

    public func deleteOTP(phoneNumber: String, purpose: OTPPurpose) async throws {
        try await write { db in
            try db.run(sql: "DELETE FROM otp_codes WHERE phone_number = ? AND otp_for = ?", arguments: [phoneNumber, purpose.rawValue])
        }
    }

    public func consumeOTP(phoneNumber: String, purpose: OTPPurpose, codeHash: String, now: Date, maxAttempts: Int) async throws -> OTPCheck {
        try await write { db in
            let key: StatementArguments = [phoneNumber, purpose.rawValue]
            guard let row = try db.fetchRow(sql: "SELECT code_hash, expire_at, failed_attempts FROM otp_codes WHERE phone_number = ? AND otp_for = ?", arguments: key)
            else { return .missingOrExpired }
            let expired = Micros.date(row["expire_at"]) <= now
            let matches = (row["code_hash"] as String) == codeHash
            if expired || matches {
                try db.run(sql: "DELETE FROM otp_codes WHERE phone_number = ? AND otp_for = ?", arguments: key)
                return expired ? .missingOrExpired : .accepted
            }
            let attempts = (row["failed_attempts"] as Int) + 1
            if attempts >= maxAttempts {
                try db.run(sql: "DELETE FROM otp_codes WHERE phone_number = ? AND otp_for = ?", arguments: key)
            } else {
                try db.run(sql: "UPDATE otp_codes SET failed_attempts = ? WHERE phone_number = ? AND otp_for = ?",
                    arguments: [attempts, phoneNumber, purpose.rawValue])
            }
            return .wrongCode
        }
    }

    public func purgeExpiredOTPs(before date: Date) async throws -> Int {
        try await write { db in
            try db.run(sql: "DELETE FROM otp_codes WHERE expire_at <= ?", arguments: [Micros.from(date)])
            return db.changesCount
        }
    }
}
