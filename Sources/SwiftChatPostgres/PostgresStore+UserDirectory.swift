import PostgresNIO
import SwiftChatCore

extension PostgresStore {
    public func users(matching filter: UserFilter, for caller: UserID, after: UserID?, limit: Int?) async throws -> [User] {
        let columns = Self.userColumns.split(separator: ", ").map { "u.\($0)" }.joined(separator: ", ")
        let query = UserDirectorySQL(
            filter, caller: caller, after: after, limit: limit, columns: columns, placeholder: { "$\($0)" }, bytewise: #" COLLATE "C""#)
        var binds = PostgresBindings()
        for argument in query.arguments {
            switch argument {
            case .int(let value): binds.append(value)
            case .text(let value): binds.append(value)
            }
        }
        let statement = PostgresQuery(unsafeSQL: query.sql, binds: binds)
        return try await pooled { try await $0.all(statement, logger: $1) { try $0.user() } }
    }

    public func isSearchableByPhone(_ user: UserID) async throws -> Bool {
        try await pooled { connection, logger in
            try await connection.first("SELECT searchable_by_phone FROM user_privacy WHERE user_id = \(user)", logger: logger) {
                try $0.next(Int64.self) != 0
            } ?? true
        }
    }

    public func setSearchableByPhone(_ user: UserID, _ searchable: Bool) async throws {
        try await pooled { connection, logger in
            try await connection.run("""
                INSERT INTO user_privacy (user_id, searchable_by_phone) SELECT id, \(searchable ? Int64(1) : 0) FROM users WHERE id = \(user)
                ON CONFLICT (user_id) DO UPDATE SET searchable_by_phone = EXCLUDED.searchable_by_phone
                """, logger: logger)
        }
    }
}
