import Foundation
import GRDB
import SwiftChatCore

extension SQLiteStore {
    public func claimMarker(_ marker: String, at date: Date) async throws -> Bool {
        let key = Self.metaKey(of: marker)
        let value = ISOTimestamp.string(date)
        return try await write { db in
            try db.run(sql: "INSERT INTO swiftchat_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO NOTHING", arguments: [key, value])
            return db.changesCount > 0
        }
    }

    public func hasMarker(_ marker: String) async throws -> Bool {
        let key = Self.metaKey(of: marker)
        return try await read { db in
            try db.fetchRow(sql: "SELECT 1 FROM swiftchat_meta WHERE key = ?", arguments: [key]) != nil
        }
    }
}
