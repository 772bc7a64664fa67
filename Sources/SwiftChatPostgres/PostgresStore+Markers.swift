import Foundation
import PostgresNIO
import SwiftChatCore

extension PostgresStore {
    /// The primary key decides: of processes inserting at once, one inserts and the others
    /// wait for its commit, then do nothing.
    public func claimMarker(_ marker: String, at date: Date) async throws -> Bool {
        let key = Self.metaKey(of: marker)
        let value = ISOTimestamp.string(date)
        return try await pooled { connection, logger in
            try await connection.first("""
                INSERT INTO swiftchat_meta (key, value) VALUES (\(key), \(value)) ON CONFLICT (key) DO NOTHING RETURNING 1
                """, logger: logger) { _ in true } ?? false
        }
    }

    public func hasMarker(_ marker: String) async throws -> Bool {
        let key = Self.metaKey(of: marker)
        return try await pooled { connection, logger in
            try await connection.first("SELECT 1 FROM swiftchat_meta WHERE key = \(key)", logger: logger) { _ in true } ?? false
        }
    }
}
