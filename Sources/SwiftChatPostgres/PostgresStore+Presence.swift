import Foundation
import PostgresNIO
import SwiftChatCore

extension PostgresStore {
    public func presenceRecords(of users: [UserID]) async throws -> [UserID: PresenceRecord] {
        guard !users.isEmpty else { return [:] }
        return try await pooled { connection, logger in
            try await connection.all("""
                SELECT user_id, hidden, last_seen_at FROM user_presence WHERE user_id = ANY(\(users.map(\.rawValue)))
                """, logger: logger) { (try $0.next(UserID.self), PresenceRecord(hidden: try $0.next(Int64.self) != 0, lastSeen: try $0.next(Timestamp?.self)?.date)) }
                .reduce(into: [:]) { records, pair in records[pair.0] = pair.1 }
        }
    }

    public func setLastSeen(_ users: [UserID], at date: Date) async throws {
        guard !users.isEmpty else { return }
        try await pooled { connection, logger in
            try await connection.run("""
                INSERT INTO user_presence (user_id, last_seen_at) SELECT id, \(Timestamp(date)) FROM users WHERE id = ANY(\(users.map(\.rawValue)))
                ON CONFLICT (user_id) DO UPDATE SET last_seen_at = EXCLUDED.last_seen_at
                """, logger: logger)
        }
    }

    public func setPresenceHidden(_ user: UserID, _ hidden: Bool) async throws {
        try await pooled { connection, logger in
            try await connection.run("""
                INSERT INTO user_presence (user_id, hidden) SELECT id, \(hidden ? Int64(1) : 0) FROM users WHERE id = \(user)
                ON CONFLICT (user_id) DO UPDATE SET hidden = EXCLUDED.hidden
                """, logger: logger)
        }
    }
}
