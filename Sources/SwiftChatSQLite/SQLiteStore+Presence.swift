import Foundation
import GRDB
import SwiftChatCore

extension SQLiteStore {
    public func presenceRecords(of users: [UserID]) async throws -> [UserID: PresenceRecord] {
        guard !users.isEmpty else { return [:] }
        return try await read { db in
            var arguments = StatementArguments()
            for user in users { _ = arguments.append(contentsOf: [user]) }
            return try db.fetchRows(sql: """
                SELECT user_id, hidden, last_seen_at FROM user_presence WHERE user_id IN (\(Array(repeating: "?", count: users.count).joined(separator: ", ")))
                """, arguments: arguments
            ).reduce(into: [:]) { records, row in
                records[row["user_id"]] = PresenceRecord(hidden: row["hidden"], lastSeen: (row["last_seen_at"] as Int64?).map(Micros.date))
            }
        }
    }

    public func setLastSeen(_ users: [UserID], at date: Date) async throws {
        guard !users.isEmpty else { return }
        try await write { db in
            for user in users {
                try db.run(sql: """
                    INSERT INTO user_presence (user_id, last_seen_at) SELECT id, ? FROM users WHERE id = ?
                    ON CONFLICT (user_id) DO UPDATE SET last_seen_at = excluded.last_seen_at
                    """, arguments: [Micros.from(date), user])
            }
        }
    }

    public func setPresenceHidden(_ user: UserID, _ hidden: Bool) async throws {
        try await write { db in
            try db.run(sql: """
                INSERT INTO user_presence (user_id, hidden) SELECT id, ? FROM users WHERE id = ?
                ON CONFLICT (user_id) DO UPDATE SET hidden = excluded.hidden
                """, arguments: [hidden, user])
        }
    }
}
