import Foundation
import GRDB
import PostgresNIO
import Testing
@testable import SwiftChatCore
@testable import SwiftChatPostgres
@testable import SwiftChatSQLite

/// An install made before v2 (migration 0001 only) upgrades in place: every interest gets its
/// direct conversation with both parties, its messages move into it with their ids, and new
/// ids never reuse old ones.
@Suite("Upgrade to v2")
struct UpgradeTests {
    static let first = "0001 users, otp codes, interests, chat messages"

    @Test("interests from before v2 get their direct conversations by migration", arguments: TestBackends.stores)
    func backfill(backend: StoreBackend) async throws {
        try await withStorePlace(backend) { place in
            let store: any ChatStore
            switch backend {
            case .sqlite:
                let sqlite = try SQLiteStore(path: place.sqlitePath)
                try sqlite.migrate(through: Self.first)
                try await sqlite.pool.write { db in
                    try db.execute(sql: """
                        INSERT INTO users (id, phone_number, date_joined) VALUES (1, '+911111111111', 0), (2, '+912222222222', 0), (3, '+913333333333', 0);
                        INSERT INTO interests (id, sent_by_id, sent_to_id, is_accepted, created_at) VALUES (5, 1, 2, 1, 10), (6, 3, 1, 0, 20);
                        INSERT INTO chat_messages (id, interest_id, user_id, message, created_at) VALUES (7, 5, 1, 'old one', 30), (9, 5, 2, 'old two', 40);
                        DELETE FROM chat_messages WHERE id = 9;
                        INSERT INTO chat_messages (id, interest_id, user_id, message, created_at) VALUES (8, 6, 3, 'other', 50);
                        """)
                }
                store = sqlite
            case .postgres:
                let postgres = PostgresStore.standalone(url: try PostgresURL(try #require(place.databaseURL)), maximumConnections: 2, logger: testLogger)
                try await postgres.migrate(through: Self.first)
                try await postgres.client.withConnection { connection in
                    for statement in [
                        "INSERT INTO users (id, phone_number, date_joined) VALUES (1, '+911111111111', now()), (2, '+912222222222', now()), (3, '+913333333333', now())",
                        "INSERT INTO interests (id, sent_by_id, sent_to_id, is_accepted, created_at) VALUES (5, 1, 2, TRUE, now()), (6, 3, 1, FALSE, now())",
                        "INSERT INTO chat_messages (id, interest_id, user_id, message, created_at) VALUES (7, 5, 1, 'old one', now()), (9, 5, 2, 'old two', now())",
                        "SELECT setval(pg_get_serial_sequence('chat_messages', 'id'), 9)",
                        "DELETE FROM chat_messages WHERE id = 9",
                        "INSERT INTO chat_messages (id, interest_id, user_id, message, created_at) VALUES (8, 6, 3, 'other', now())",
                    ] {
                        try await connection.run(PostgresQuery(unsafeSQL: statement), logger: testLogger)
                    }
                }
                store = postgres
            }
            try await store.migrate()
            let forUser1 = try await store.conversations(of: 1, after: nil, limit: 10).conversations
            #expect(forUser1.map(\.interestID) == [6, 5], "latest activity first")
            #expect(forUser1.allSatisfy { $0.kind == .direct && $0.members.count == 2 })
            let direct = try #require(forUser1.last)
            #expect(direct.memberIDs == [1, 2] && direct.lastMessage?.id == 7)
            let history = try await store.messages(in: direct.id, window: .latest, limit: 10)
            #expect(history.messages.map(\.id) == [7] && history.messages.first?.interestID == 5)
            #expect(try await store.messages(in: 5, ordering: .id).map(\.message) == ["old one"], "v1 still reads them")
            let next = try await store.createMessage(in: 5, by: 2, text: "new", at: Date())
            #expect(next.id > 9, "the id of a deleted message is never handed out again")
            #expect(try await store.epoch().count == 32)
            await store.close()
        }
    }
}
