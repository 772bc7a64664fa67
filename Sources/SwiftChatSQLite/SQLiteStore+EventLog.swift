import Foundation
import GRDB
import SwiftChatCore

extension SQLiteStore {
    public func epoch() async throws -> String {
        try await read { db in
            try db.fetchRow(sql: "SELECT value FROM swiftchat_meta WHERE key = 'epoch'", arguments: []).map { $0["value"] } ?? ""
        }
    }

    public func events(of user: UserID, after seq: Int64, limit: Int) async throws -> EventSlice {
        try await read { db in
            let head = try db.fetchRow(sql: """
                SELECT coalesce((SELECT last_seq FROM event_heads WHERE user_id = ?), 0) AS latest,
                       (SELECT min(seq) FROM events WHERE user_id = ?) AS oldest
                """, arguments: [user, user])
            let latest: Int64 = head?["latest"] ?? 0
            let oldest: Int64 = head?["oldest"] ?? latest + 1
            let events = try db.fetchRows(sql: """
                SELECT e.seq, p.type, p.at, p.data FROM events e JOIN event_payloads p ON p.id = e.payload_id
                WHERE e.user_id = ? AND e.seq > ? ORDER BY e.seq LIMIT ?
                """, arguments: [user, seq, limit]
            ).compactMap { row -> LoggedEvent? in
                guard let type = EventType(rawValue: row["type"]) else { return nil }
                return LoggedEvent(seq: row["seq"], type: type, at: Micros.date(row["at"]), data: row["data"])
            }
            return EventSlice(events: events, latestSeq: latest, oldestSeq: oldest)
        }
    }

    public func pruneEvents(before date: Date, keepingLast: Int, batch: Int) async throws -> Int {
        try await write { db in
            try db.run(sql: """
                DELETE FROM events WHERE (user_id, seq) IN (
                    SELECT e.user_id, e.seq FROM events e
                    JOIN event_heads h ON h.user_id = e.user_id
                    JOIN event_payloads p ON p.id = e.payload_id
                    WHERE e.seq <= h.last_seq - ? AND p.at < ? LIMIT ?)
                """, arguments: [keepingLast, Micros.from(date), batch])
            let removed = db.changesCount
            try db.run(sql: """
                DELETE FROM event_payloads WHERE id IN (
                    SELECT p.id FROM event_payloads p WHERE p.at < ? AND NOT EXISTS (SELECT 1 FROM events e WHERE e.payload_id = p.id) LIMIT ?)
                """, arguments: [Micros.from(date), batch])
            return removed
        }
    }

    /// Appends each draft to its recipients' logs: one payload row, then the next seq of each
    /// recipient. The single writer makes the seqs gapless.
    static func append(_ db: Database, _ drafts: [EventDraft], micros: Int64) throws {
        for draft in drafts where !draft.recipients.isEmpty {
            try db.run(sql: "INSERT INTO event_payloads (type, at, data) VALUES (?, ?, ?)", arguments: [draft.type.rawValue, micros, draft.data])
            let payload = db.lastInsertedRowID
            for user in Set(draft.recipients).sorted() {
                guard let seq = try db.fetchRow(sql: """
                    INSERT INTO event_heads (user_id, last_seq) VALUES (?, 1)
                    ON CONFLICT (user_id) DO UPDATE SET last_seq = last_seq + 1 RETURNING last_seq
                    """, arguments: [user])?["last_seq"] as Int64? else { continue }
                try db.run(sql: "INSERT INTO events (user_id, seq, payload_id) VALUES (?, ?, ?)", arguments: [user, seq, payload])
            }
        }
    }
}
