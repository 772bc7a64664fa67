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
            var others: [String: Int] = [:]
            for table in TransferTable.all {
                others[table.name] = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table.name)") ?? 0
            }
            return TableCounts(users: row?[0] ?? 0, pendingOTPs: row?[1] ?? 0, interests: row?[2] ?? 0, messages: row?[3] ?? 0, others: others)
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
                try db.run(sql: """
                        INSERT INTO chat_messages (id, conversation_id, interest_id, user_id, message, client_id, created_at, edited_at, deleted_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [message.id, message.conversationID, message.interestID, message.userID, message.message, message.clientID,
                                Micros.from(message.createdAt), message.editedAt.map(Micros.from), message.deletedAt.map(Micros.from)])
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
            return IDWatermarks(byTable: marks)
        }
    }

    public func finishImport(watermarks: IDWatermarks) async throws {
        try await write { db in
            for (table, mark) in watermarks.byTable {
                try db.execute(sql: "DELETE FROM sqlite_sequence WHERE name = ? AND seq < ?", arguments: [table, mark])
                try db.execute(sql: "INSERT INTO sqlite_sequence (name, seq) SELECT ?, ? WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = ?)",
                    arguments: [table, mark, table])
            }
        }
    }

    public func rows(of table: TransferTable, after key: [TransferValue]?, limit: Int) async throws -> [[TransferValue]] {
        try await read { db in
            var sql = "SELECT \(table.columnList) FROM \(table.name)"
            var arguments = StatementArguments()
            if let key {
                sql += " WHERE (\(table.keyList)) > (\(Array(repeating: "?", count: key.count).joined(separator: ", ")))"
                for value in key { _ = arguments.append(contentsOf: [Self.databaseValue(value)]) }
            }
            sql += " ORDER BY \(table.keyList) LIMIT ?"
            _ = arguments.append(contentsOf: [limit])
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
                table.columns.enumerated().map { index, column in
                    let value: DatabaseValue = row[index]
                    if value.isNull { return .null }
                    return column.kind == .text ? .text(String.fromDatabaseValue(value) ?? "") : .int(Int64.fromDatabaseValue(value) ?? 0)
                }
            }
        }
    }

    public func importRows(_ rows: [[TransferValue]], into table: TransferTable) async throws {
        try await write { db in
            let sql = "INSERT INTO \(table.name) (\(table.columnList)) VALUES (\(Array(repeating: "?", count: table.columns.count).joined(separator: ", ")))"
            for row in rows {
                try db.run(sql: sql, arguments: StatementArguments(row.map(Self.databaseValue)))
            }
        }
    }

    public func adoptEpoch(_ epoch: String) async throws {
        try await write { db in
            try db.run(sql: "INSERT INTO swiftchat_meta (key, value) VALUES ('epoch', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                arguments: [epoch])
        }
    }

    private static func databaseValue(_ value: TransferValue) -> DatabaseValue {
        switch value {
        case .null: .null
        case .int(let number): number.databaseValue
        case .text(let text): text.databaseValue
        }
    }
}
