import Foundation
import GRDB
import SwiftChatCore

extension SQLiteStore {
    static let interestColumns = "id, sent_by_id, sent_to_id, is_accepted, created_at"

    static func interest(from row: Row) -> Interest {
        Interest(
            id: row["id"], sentBy: row["sent_by_id"], sentTo: row["sent_to_id"], isAccepted: row["is_accepted"],
            createdAt: Micros.date(row["created_at"]))
    }

    public func interest(id: InterestID) async throws -> Interest? {
        try await read { db in
            try db.fetchRow(sql: "SELECT \(Self.interestColumns) FROM interests WHERE id = ?", arguments: [id]).map(Self.interest(from:))
        }
    }

    public func interest(between a: UserID, and b: UserID) async throws -> Interest? {
        try await read { db in
            try db.fetchRow(sql: "SELECT \(Self.interestColumns) FROM interests WHERE min(sent_by_id, sent_to_id) = ? AND max(sent_by_id, sent_to_id) = ?",
                arguments: [min(a, b), max(a, b)]
            ).map(Self.interest(from:))
        }
    }

    public func interests(of user: UserID, filter: InterestFilter) async throws -> [InterestView] {
        try await read { db in
            var sql = """
                SELECT i.id, i.sent_by_id, i.sent_to_id, i.is_accepted, i.created_at,
                       u.id AS u_id, u.phone_number AS u_phone_number, u.email AS u_email, u.first_name AS u_first_name,
                       u.last_name AS u_last_name, u.password AS u_password, u.is_active AS u_is_active, u.is_staff AS u_is_staff,
                       u.is_superuser AS u_is_superuser, u.date_joined AS u_date_joined
                FROM interests i
                JOIN users u ON u.id = CASE WHEN i.sent_by_id = ? THEN i.sent_to_id ELSE i.sent_by_id END
                JOIN users sb ON sb.id = i.sent_by_id
                JOIN users st ON st.id = i.sent_to_id
                WHERE (i.sent_by_id = ? OR i.sent_to_id = ?)
                """
            var arguments: StatementArguments = [user, user, user]
            if let accepted = filter.isAccepted {
                sql += " AND i.is_accepted = ?"
                _ = arguments.append(contentsOf: [accepted])
            }
            for term in filter.searchTerms {
                // DRF's SearchFilter: case-insensitive containment, on either party's first name.
                sql += " AND (instr(lower(sb.first_name), lower(?)) > 0 OR instr(lower(st.first_name), lower(?)) > 0)"
                _ = arguments.append(contentsOf: [term, term])
            }
            sql += " ORDER BY " + (filter.ordering ?? .id).sqlOrder(table: "i")
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map {
                InterestView(interest: Self.interest(from: $0), otherUser: Self.user(from: $0, prefix: "u_"))
            }
        }
    }

    public func interests(involving user: UserID) async throws -> [Interest] {
        try await read { db in
            try db.fetchRows(sql: "SELECT \(Self.interestColumns) FROM interests WHERE sent_by_id = ? OR sent_to_id = ? ORDER BY id",
                arguments: [user, user]
            ).map(Self.interest(from:))
        }
    }

    /// The interest, its direct conversation with both parties, and their events.
    public func createInterest(from sender: UserID, to recipient: UserID, at date: Date) async throws -> Interest {
        try await write { db in
            let micros = Micros.from(date)
            try db.run(sql: "INSERT INTO interests (sent_by_id, sent_to_id, is_accepted, created_at) VALUES (?, ?, 0, ?)",
                arguments: [sender, recipient, micros])
            let interest = Interest(id: db.lastInsertedID(), sentBy: sender, sentTo: recipient, isAccepted: false, createdAt: Micros.date(micros))
            try db.run(sql: "INSERT INTO conversations (kind, interest_id, created_at, created_by, activity_at) VALUES ('direct', ?, ?, ?, ?)",
                arguments: [interest.id, micros, sender, micros])
            let conversation: ConversationID = db.lastInsertedID()
            for party in Self.distinct(interest.parties) {
                try Self.insertMember(db, conversation: conversation, user: party, role: .member, micros: micros)
            }
            let created = try Self.loadConversation(db, id: conversation).orMissing()
            try Self.append(db, [
                EventDrafts.interestChanged(interest),
                EventDrafts.conversation(.conversationCreated, created, recipients: created.memberIDs),
            ], micros: micros)
            return interest
        }
    }

    public func acceptInterest(id: InterestID, at date: Date) async throws -> Interest? {
        try await write { db in
            guard let accepted = try db.fetchRow(sql: "UPDATE interests SET is_accepted = 1 WHERE id = ? RETURNING \(Self.interestColumns)", arguments: [id])
                .map(Self.interest(from:)) else { return nil }
            try Self.append(db, [EventDrafts.interestChanged(accepted)], micros: Micros.from(date))
            return accepted
        }
    }

    /// Deletes the interest with its conversation and messages.
    public func deleteInterest(id: InterestID, at date: Date) async throws -> Interest? {
        try await write { db in try Self.deleteInterest(db, id: id, micros: Micros.from(date)) }
    }

    static func deleteInterest(_ db: Database, id: InterestID, micros: Int64) throws -> Interest? {
        let conversation = try db.fetchRow(sql: "SELECT id FROM conversations WHERE interest_id = ?", arguments: [id]).map { $0["id"] as ConversationID }
        guard let deleted = try db.fetchRow(sql: "DELETE FROM interests WHERE id = ? RETURNING \(interestColumns)", arguments: [id])
            .map(interest(from:)) else { return nil }
        var drafts = [EventDrafts.interestChanged(deleted)]
        if let conversation { drafts.append(EventDrafts.conversationDeleted(conversation, recipients: distinct(deleted.parties))) }
        try append(db, drafts, micros: micros)
        return deleted
    }
}
