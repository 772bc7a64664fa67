import Foundation
import GRDB
import PostgresNIO
import Testing
@testable import SwiftChatCore
@testable import SwiftChatPostgres
@testable import SwiftChatSQLite

/// Ids are distinct types: `let id: ChatMessageID = interest.id` does not compile, which no
/// test can check at run time. These check that the wrapper changes nothing on the way out.
@Suite("Entity ids")
struct EntityIDTests {
    @Test("an id prints, encodes and parses as its bare number")
    func bareNumber() throws {
        let id: UserID = 42
        #expect(id.description == "42")
        #expect("\(id)" == "42")
        #expect(Topic.user(id).name == "user-42")
        #expect(Topic.eventLog(id).name == "events-42")
        #expect(JSONValue.id(id).serialized == "42")
        #expect(JSONValue.id(InterestID?.none).serialized == "null")
        #expect(String(decoding: try JSONEncoder().encode([id]), as: UTF8.self) == "[42]")
        #expect(try JSONDecoder().decode([UserID].self, from: Data("[42]".utf8)) == [id])
        #expect(UserID("42") == id)
        #expect(UserID("4x") == nil)
    }

    @Test("rawValue round-trips and ids order by their number")
    func rawValueAndOrder() {
        #expect(ChatMessageID(rawValue: Int64.max).rawValue == Int64.max)
        #expect(ConversationID(rawValue: 7) == 7)
        let ids: [InterestID] = [3, 10, 2]
        #expect(ids.sorted() == [2, 3, 10])
        #expect(min(InterestID(10), InterestID(9)) == 9)
        #expect(Set<UserID>([1, 1, 2]).count == 2)
    }

    @Test("the stores bind and read ids as integers", arguments: TestBackends.stores)
    func storeBinding(backend: StoreBackend) async throws {
        let id: UserID = 9_007_199_254_740_993  // beyond a double's exact range
        let none: ChatMessageID? = nil
        switch backend {
        case .sqlite:
            let queue = try DatabaseQueue()
            let row = try queue.read { db in
                try Row.fetchOne(db, sql: "SELECT ? AS id, ? AS none, typeof(?) AS type", arguments: [id, none, id])
            }
            #expect(row?["id"] as UserID? == id)
            #expect(row?["none"] as ChatMessageID? == nil)
            #expect(row?["type"] as String? == "integer")
            #expect(try await queue.read { db in try UserID.fetchOne(db, sql: "SELECT ?", arguments: [id]) } == id)
        case .postgres:
            guard let url = TestBackends.postgresURL else { throw BackendMissing(variable: "SWIFTCHAT_TEST_DATABASE_URL") }
            let store = PostgresStore.standalone(url: try PostgresURL(url), maximumConnections: 1, logger: testLogger)
            let ids: [UserID] = [id, 1]
            let query: PostgresQuery = "SELECT \(id), pg_typeof(\(id))::text, \(none)::bigint, \(ids)"
            var rows: [(UserID, String, ChatMessageID?, [UserID])] = []
            do {
                for try await row in try await store.client.query(query).decode((UserID, String, ChatMessageID?, [UserID]).self) {
                    rows.append(row)
                }
            } catch {
                await store.close()
                throw error
            }
            await store.close()
            #expect(rows.count == 1)
            #expect(rows.first?.0 == id)
            #expect(rows.first?.1 == "bigint")
            #expect(rows.first?.2 == nil)
            #expect(rows.first?.3 == ids)
        }
    }
}
