import Foundation
import PostgresNIO
import SwiftChatCore

extension PostgresStore {
    static let interestColumns = "id, sent_by_id, sent_to_id, is_accepted, created_at"

    public func interest(id: InterestID) async throws -> Interest? {
        try await pooled { try await $0.first("SELECT \(unescaped: Self.interestColumns) FROM interests WHERE id = \(id)", logger: $1) { try $0.interest() } }
    }

    public func interest(between a: UserID, and b: UserID) async throws -> Interest? {
        try await pooled {
            try await $0.first("""
                SELECT \(unescaped: Self.interestColumns) FROM interests
                WHERE LEAST(sent_by_id, sent_to_id) = \(min(a, b)) AND GREATEST(sent_by_id, sent_to_id) = \(max(a, b))
                """, logger: $1) { try $0.interest() }
        }
    }

    public func interests(of user: UserID, filter: InterestFilter) async throws -> [InterestView] {
        var binds = PostgresBindings()
        binds.append(user)
        var sql = """
            SELECT i.id, i.sent_by_id, i.sent_to_id, i.is_accepted, i.created_at,
                   u.id, u.phone_number, u.email, u.first_name, u.last_name, u.password, u.is_active, u.is_staff,
                   u.is_superuser, u.date_joined
            FROM interests i
            JOIN users u ON u.id = CASE WHEN i.sent_by_id = $1 THEN i.sent_to_id ELSE i.sent_by_id END
            JOIN users sb ON sb.id = i.sent_by_id
            JOIN users st ON st.id = i.sent_to_id
            WHERE (i.sent_by_id = $1 OR i.sent_to_id = $1)
            """
        if let accepted = filter.isAccepted {
            binds.append(accepted)
            sql += " AND i.is_accepted = $\(binds.count)"
        }
        for term in filter.searchTerms {
            // DRF's SearchFilter: case-insensitive containment, on either party's first name.
            binds.append(term)
            sql += " AND (strpos(lower(sb.first_name), lower($\(binds.count))) > 0 OR strpos(lower(st.first_name), lower($\(binds.count))) > 0)"
        }
        sql += " ORDER BY " + (filter.ordering ?? .id).sqlOrder(table: "i")
        let query = PostgresQuery(unsafeSQL: sql, binds: binds)
        return try await pooled {
            try await $0.all(query, logger: $1) { InterestView(interest: try $0.interest(), otherUser: try $0.user()) }
        }
    }

    public func interests(involving user: UserID) async throws -> [Interest] {
        try await pooled {
            try await $0.all(
                "SELECT \(unescaped: Self.interestColumns) FROM interests WHERE sent_by_id = \(user) OR sent_to_id = \(user) ORDER BY id",
                logger: $1) { try $0.interest() }
        }
    }

    /// The interest, its direct conversation with both parties, and their events.
    public func createInterest(from sender: UserID, to recipient: UserID, at date: Date) async throws -> Interest {
        try await transaction { connection, logger in
            let interest = try await connection.first("""
                INSERT INTO interests (sent_by_id, sent_to_id, is_accepted, created_at) VALUES (\(sender), \(recipient), FALSE, \(Timestamp(date)))
                RETURNING \(unescaped: Self.interestColumns)
                """, logger: logger) { try $0.interest() }.orThrow()
            let conversation = try await connection.first("""
                INSERT INTO conversations (kind, interest_id, created_at, created_by, activity_at)
                VALUES ('direct', \(interest.id), \(Timestamp(date)), \(sender), \(Timestamp(date))) RETURNING id
                """, logger: logger) { try $0.next(ConversationID.self) }.orThrow()
            for party in Set(interest.parties).sorted() {
                try await Self.insertMember(connection, logger, conversation: conversation, user: party, role: .member, at: date)
            }
            let created = try await Self.loadConversation(connection, logger, id: conversation).orThrow()
            try await Self.append(connection, logger, [
                EventDrafts.interestChanged(interest),
                EventDrafts.conversation(.conversationCreated, created, recipients: created.memberIDs),
            ], at: date)
            return interest
        }
    }

    public func acceptInterest(id: InterestID, at date: Date) async throws -> Interest? {
        try await transaction { connection, logger in
            guard let accepted = try await connection.first(
                "UPDATE interests SET is_accepted = TRUE WHERE id = \(id) RETURNING \(unescaped: Self.interestColumns)", logger: logger, { try $0.interest() })
            else { return nil }
            try await Self.append(connection, logger, [EventDrafts.interestChanged(accepted)], at: date)
            return accepted
        }
    }

    /// Deletes the interest with its conversation and messages.
    public func deleteInterest(id: InterestID, at date: Date) async throws -> Interest? {
        try await transaction { try await Self.deleteInterest($0, $1, id: id, at: date) }
    }

    static func deleteInterest(_ connection: PostgresConnection, _ logger: Logger, id: InterestID, at date: Date) async throws -> Interest? {
        let conversation = try await connection.first("SELECT id FROM conversations WHERE interest_id = \(id) FOR UPDATE", logger: logger) {
            try $0.next(ConversationID.self)
        }
        guard let deleted = try await connection.first(
            "DELETE FROM interests WHERE id = \(id) RETURNING \(unescaped: interestColumns)", logger: logger, { try $0.interest() })
        else { return nil }
        var drafts = [EventDrafts.interestChanged(deleted)]
        if let conversation { drafts.append(EventDrafts.conversationDeleted(conversation, recipients: Set(deleted.parties).sorted())) }
        try await append(connection, logger, drafts, at: date)
        return deleted
    }
}

extension RowReader {
    mutating func interest() throws -> Interest {
        Interest(id: try next(), sentBy: try next(), sentTo: try next(), isAccepted: try next(), createdAt: try next(Timestamp.self).date)
    }
}

/// An INSERT … RETURNING always returns its row; nil here means the server broke that promise.
struct MissingReturnedRow: Error {}

extension Optional {
    func orThrow() throws -> Wrapped {
        guard let self else { throw MissingReturnedRow() }
        return self
    }
}
