import Foundation
import PostgresNIO
import SwiftChatCore

extension PostgresStore {
    public func tableCounts() async throws -> TableCounts {
        var counts = try await pooled {
            try await $0.first("""
                SELECT (SELECT count(*) FROM users), (SELECT count(*) FROM otp_codes), (SELECT count(*) FROM interests),
                       (SELECT count(*) FROM chat_messages)
                """, logger: $1) { TableCounts(users: try $0.next(), pendingOTPs: try $0.next(), interests: try $0.next(), messages: try $0.next()) }
        }.orThrow()
        counts.others = try await pooled { connection, logger in
            var others: [String: Int] = [:]
            for table in TransferTable.all {
                others[table.name] = try await connection.first(PostgresQuery(unsafeSQL: "SELECT count(*) FROM \(table.name)"), logger: logger) {
                    try $0.next(Int.self)
                } ?? 0
            }
            return others
        }
        return counts
    }

    public func users(after id: UserID, limit: Int) async throws -> [User] {
        try await pooled {
            try await $0.all("SELECT \(unescaped: Self.userColumns) FROM users WHERE id > \(id) ORDER BY id LIMIT \(limit)", logger: $1) { try $0.user() }
        }
    }

    public func interests(after id: InterestID, limit: Int) async throws -> [Interest] {
        try await pooled {
            try await $0.all("SELECT \(unescaped: Self.interestColumns) FROM interests WHERE id > \(id) ORDER BY id LIMIT \(limit)", logger: $1) {
                try $0.interest()
            }
        }
    }

    public func messages(after id: ChatMessageID, limit: Int) async throws -> [ChatMessage] {
        try await pooled {
            try await $0.all("SELECT \(unescaped: Self.messageColumns) FROM chat_messages WHERE id > \(id) ORDER BY id LIMIT \(limit)", logger: $1) {
                try $0.message()
            }
        }
    }

    public func allPendingOTPs() async throws -> [PendingOTP] {
        try await pooled { try await $0.all("SELECT \(unescaped: Self.otpColumns) FROM otp_codes ORDER BY phone_number, otp_for", logger: $1) { try $0.pendingOTP() } }
    }

    // Each batch is one multi-row INSERT in one transaction: a failed batch leaves nothing half-copied.

    public func importUsers(_ users: [User]) async throws {
        try await insertRows(
            "users (id, phone_number, email, first_name, last_name, password, is_active, is_staff, is_superuser, date_joined)", users
        ) { user, binds in
            binds.append(user.id)
            binds.append(user.phoneNumber)
            binds.append(user.email)
            binds.append(user.firstName)
            binds.append(user.lastName)
            binds.append(user.passwordHash)
            binds.append(user.isActive)
            binds.append(user.isStaff)
            binds.append(user.isSuperuser)
            binds.append(Timestamp(user.dateJoined))
        }
    }

    public func importInterests(_ interests: [Interest]) async throws {
        try await insertRows("interests (id, sent_by_id, sent_to_id, is_accepted, created_at)", interests) { interest, binds in
            binds.append(interest.id)
            binds.append(interest.sentBy)
            binds.append(interest.sentTo)
            binds.append(interest.isAccepted)
            binds.append(Timestamp(interest.createdAt))
        }
    }

    public func importMessages(_ messages: [ChatMessage]) async throws {
        try await insertRows("chat_messages (id, conversation_id, interest_id, user_id, message, client_id, created_at, edited_at, deleted_at)", messages) {
            message, binds in
            binds.append(message.id)
            binds.append(message.conversationID)
            binds.append(message.interestID)
            binds.append(message.userID)
            binds.append(message.message)
            binds.append(message.clientID)
            binds.append(Timestamp(message.createdAt))
            binds.append(message.editedAt.map(Timestamp.init))
            binds.append(message.deletedAt.map(Timestamp.init))
        }
    }

    public func importPendingOTPs(_ otps: [PendingOTP]) async throws {
        try await insertRows("otp_codes (phone_number, otp_for, code_hash, expire_at, failed_attempts)", otps) { otp, binds in
            binds.append(otp.phoneNumber)
            binds.append(otp.purpose.rawValue)
            binds.append(otp.codeHash)
            binds.append(Timestamp(otp.expiresAt))
            binds.append(otp.failedAttempts)
        }
    }

    public func idWatermarks() async throws -> IDWatermarks {
        try await pooled { connection, logger in
            func mark(_ table: String) async throws -> Int64 {
                // Null until the sequence first hands out an id.
                try await connection.first(PostgresQuery(unsafeSQL: """
                    SELECT COALESCE(pg_sequence_last_value(pg_get_serial_sequence('\(table)', 'id')), 0)
                    """), logger: logger) { try $0.next(Int64.self) } ?? 0
            }
            var marks: [String: Int64] = [:]
            for (table, _) in IDWatermarks(users: 0, interests: 0, messages: 0).byTable { marks[table] = try await mark(table) }
            return IDWatermarks(byTable: marks)
        }
    }

    public func finishImport(watermarks: IDWatermarks) async throws {
        try await transaction { connection, logger in
            for (table, mark) in watermarks.byTable {
                // The next id follows both the source's watermark and the largest imported id.
                try await connection.run(PostgresQuery(unsafeSQL: """
                    SELECT setval(pg_get_serial_sequence('\(table)', 'id'), GREATEST(\(mark), (SELECT max(id) FROM \(table))), true)
                    FROM (SELECT 1) one WHERE GREATEST(\(mark), (SELECT max(id) FROM \(table))) > 0
                    """), logger: logger)
            }
        }
    }

    public func rows(of table: TransferTable, after key: [TransferValue]?, limit: Int) async throws -> [[TransferValue]] {
        var binds = PostgresBindings()
        let columns = table.columns.map { $0.kind == .time ? "(extract(epoch FROM \($0.name)) * 1000000)::bigint" : $0.name }
        var sql = "SELECT \(columns.joined(separator: ", ")) FROM \(table.name)"
        if let key {
            for (value, column) in zip(key, table.columns) { Self.bind(value, column, &binds) }
            sql += " WHERE (\(table.keyList)) > (\((1...key.count).map { "$\($0)" }.joined(separator: ", ")))"
        }
        sql += " ORDER BY \(table.keyList) LIMIT \(limit)"
        let query = PostgresQuery(unsafeSQL: sql, binds: binds)
        return try await pooled {
            try await $0.all(query, logger: $1) { reader in
                try table.columns.map { column -> TransferValue in
                    switch column.kind {
                    case .text: try reader.next(String?.self).map(TransferValue.text) ?? .null
                    case .int, .time: try reader.next(Int64?.self).map(TransferValue.int) ?? .null
                    }
                }
            }
        }
    }

    public func importRows(_ rows: [[TransferValue]], into table: TransferTable) async throws {
        try await insertRows("\(table.name) (\(table.columnList))", rows) { row, binds in
            for (value, column) in zip(row, table.columns) { Self.bind(value, column, &binds) }
        }
    }

    public func adoptEpoch(_ epoch: String) async throws {
        try await pooled {
            try await $0.run("""
                INSERT INTO swiftchat_meta (key, value) VALUES ('epoch', \(epoch)) ON CONFLICT (key) DO UPDATE SET value = excluded.value
                """, logger: $1)
        }
    }

    private static func bind(_ value: TransferValue, _ column: TransferTable.Column, _ binds: inout PostgresBindings) {
        switch (value, column.kind) {
        case (.int(let micros), .time): binds.append(Timestamp(Micros.date(micros)))
        case (.int(let number), _): binds.append(number)
        case (.text(let text), _): binds.append(text)
        case (.null, .text): binds.append(String?.none)
        case (.null, .time): binds.append(Timestamp?.none)
        case (.null, .int): binds.append(Int64?.none)
        }
    }

    /// One INSERT of `rows`, each row's values appended by `bind` in the column order of `target`.
    private func insertRows<Row>(_ target: String, _ rows: [Row], bind: (Row, inout PostgresBindings) -> Void) async throws {
        guard !rows.isEmpty else { return }
        var binds = PostgresBindings()
        var tuples: [String] = []
        for row in rows {
            let first = binds.count + 1
            bind(row, &binds)
            tuples.append("(" + (first...binds.count).map { "$\($0)" }.joined(separator: ", ") + ")")
        }
        let query = PostgresQuery(unsafeSQL: "INSERT INTO \(target) VALUES \(tuples.joined(separator: ", "))", binds: binds)
        try await transaction { try await $0.run(query, logger: $1) }
    }
}
