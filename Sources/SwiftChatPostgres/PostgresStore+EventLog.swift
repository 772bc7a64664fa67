import Foundation
import PostgresNIO
import SwiftChatCore

extension PostgresStore {
    public func epoch() async throws -> String {
        try await pooled { try await $0.first("SELECT value FROM swiftchat_meta WHERE key = 'epoch'", logger: $1) { try $0.next(String.self) } ?? "" }
    }

    public func events(of user: UserID, after seq: Int64, limit: Int) async throws -> EventSlice {
        try await pooled { connection, logger in
            let head = try await connection.first("""
                SELECT COALESCE((SELECT last_seq FROM event_heads WHERE user_id = \(user)), 0), (SELECT min(seq) FROM events WHERE user_id = \(user))
                """, logger: logger) { (try $0.next(Int64.self), try $0.next(Int64?.self)) }
            let latest = head?.0 ?? 0
            let events = try await connection.all("""
                SELECT e.seq, p.type, p.at, p.data FROM events e JOIN event_payloads p ON p.id = e.payload_id
                WHERE e.user_id = \(user) AND e.seq > \(seq) ORDER BY e.seq LIMIT \(limit)
                """, logger: logger) { row -> LoggedEvent? in
                let seq = try row.next(Int64.self)
                guard let type = EventType(rawValue: try row.next(String.self)) else { return nil }
                return LoggedEvent(seq: seq, type: type, at: try row.next(Timestamp.self).date, data: try row.next(String.self))
            }.compactMap { $0 }
            return EventSlice(events: events, latestSeq: latest, oldestSeq: (head?.1 ?? nil) ?? latest + 1)
        }
    }

    public func pruneEvents(before date: Date, keepingLast: Int, batch: Int) async throws -> Int {
        try await transaction { connection, logger in
            let removed = try await connection.all("""
                DELETE FROM events WHERE (user_id, seq) IN (
                    SELECT e.user_id, e.seq FROM events e
                    JOIN event_heads h ON h.user_id = e.user_id
                    JOIN event_payloads p ON p.id = e.payload_id
                    WHERE e.seq <= h.last_seq - \(keepingLast) AND p.at < \(Timestamp(date)) LIMIT \(batch))
                RETURNING 1
                """, logger: logger) { _ in 1 }.count
            try await connection.run("""
                DELETE FROM event_payloads WHERE id IN (
                    SELECT p.id FROM event_payloads p WHERE p.at < \(Timestamp(date))
                    AND NOT EXISTS (SELECT 1 FROM events e WHERE e.payload_id = p.id) LIMIT \(batch))
                """, logger: logger)
            return removed
        }
    }

    /// Appends each draft to its recipients' logs. Every recipient's head row is locked first,
    /// in id order (the same order in every transaction, so two cannot deadlock); then each
    /// draft takes the next seq of each recipient. A rolled-back change takes its seqs with it:
    /// no gaps, and the row locks allow no duplicates, whatever process writes.
    static func append(_ connection: PostgresConnection, _ logger: Logger, _ drafts: [EventDraft], at date: Date) async throws {
        let everyone = Set(drafts.flatMap(\.recipients)).sorted()
        guard !everyone.isEmpty else { return }
        try await connection.run("""
            INSERT INTO event_heads (user_id, last_seq) SELECT u, 0 FROM unnest(\(everyone)::bigint[]) AS u ORDER BY u
            ON CONFLICT (user_id) DO UPDATE SET last_seq = event_heads.last_seq
            """, logger: logger)
        for draft in drafts where !draft.recipients.isEmpty {
            let recipients = Set(draft.recipients).sorted()
            try await connection.run("""
                WITH payload AS (INSERT INTO event_payloads (type, at, data) VALUES (\(draft.type.rawValue), \(Timestamp(date)), \(draft.data)) RETURNING id),
                     heads AS (UPDATE event_heads SET last_seq = last_seq + 1 WHERE user_id = ANY(\(recipients)::bigint[]) RETURNING user_id, last_seq)
                INSERT INTO events (user_id, seq, payload_id) SELECT h.user_id, h.last_seq, p.id FROM heads h CROSS JOIN payload p
                """, logger: logger)
        }
    }
}
