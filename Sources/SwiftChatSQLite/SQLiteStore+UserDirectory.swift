import GRDB
import SwiftChatCore

extension SQLiteStore {
    public func users(matching filter: UserFilter, for caller: UserID, after: UserID?, limit: Int?) async throws -> [User] {
        let columns = Self.userColumns.split(separator: ", ").map { "u.\($0)" }.joined(separator: ", ")
        let query = UserDirectorySQL(filter, caller: caller, after: after, limit: limit, columns: columns, placeholder: { "?\($0)" }, bytewise: "")
        let arguments = Self.statementArguments(of: query)
        return try await read { db in try db.fetchRows(sql: query.sql, arguments: arguments).map { Self.user(from: $0) } }
    }

    static func statementArguments(of query: UserDirectorySQL) -> StatementArguments {
        var arguments = StatementArguments()
        for argument in query.arguments {
            switch argument {
            case .int(let value): _ = arguments.append(contentsOf: [value])
            case .text(let value): _ = arguments.append(contentsOf: [value])
            }
        }
        return arguments
    }

    public func isSearchableByPhone(_ user: UserID) async throws -> Bool {
        try await read { db in
            try db.fetchRow(sql: "SELECT searchable_by_phone FROM user_privacy WHERE user_id = ?", arguments: [user]).map { $0[0] as Bool } ?? true
        }
    }

    public func setSearchableByPhone(_ user: UserID, _ searchable: Bool) async throws {
        try await write { db in
            try db.run(sql: """
                INSERT INTO user_privacy (user_id, searchable_by_phone) SELECT id, ? FROM users WHERE id = ?
                ON CONFLICT (user_id) DO UPDATE SET searchable_by_phone = excluded.searchable_by_phone
                """, arguments: [searchable, user])
        }
    }
}
