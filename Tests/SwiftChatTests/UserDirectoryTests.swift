import Foundation
import GRDB
import HummingbirdTesting
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer
@testable import SwiftChatSQLite

/// Finding people (issue "Finding people and messages"): the user list's filters and opt-in
/// paging, and the privacy that hides non-contacts' details and lets a user be unfindable by phone.
@Suite("User directory")
struct UserDirectoryTests {
    /// The ids a user list answer holds, plain array or page.
    static func ids(_ reply: Reply) -> [Int64] {
        let rows = reply.json?.elements ?? reply.json?["results"]?.elements ?? []
        return rows.compactMap { row in
            guard case .int(let id)? = row["id"] else { return nil }
            return id
        }
    }

    static func list(_ client: some TestClientProtocol, _ query: String, as user: Session) async throws -> Reply {
        try await client.call(.get, "/api/core/user/?\(query)", token: user.access)
    }

    @Test("the phone forms a search means: as written, or without the country code in the caller's country")
    func phoneForms() {
        #expect(UserFilter.phoneNumbers(in: "+91 78097 72989", callerNumber: Demo.rahul) == ["+917809772989"])
        #expect(UserFilter.phoneNumbers(in: "78097-72989", callerNumber: Demo.rahul) == ["+7809772989", "+917809772989"])
        #expect(UserFilter.phoneNumbers(in: "(0)7809772989", callerNumber: Demo.rahul) == ["+07809772989", "+917809772989"])
        for words in ["alice", "12345", "+91 78097 +72989", "7809772989x", ""] {
            #expect(UserFilter.phoneNumbers(in: words, callerNumber: Demo.rahul) == nil, "\(words)")
        }
    }

    @Test("SQLite walks the name and email indexes for a page of a search, even for a start nobody has")
    func searchPlanUsesIndexes() async throws {
        try await withStorePlace(.sqlite) { place in
            let store = try SQLiteStore(path: place.sqlitePath)
            try await store.migrate()
            for privacy in [false, true] {
                var filter = UserFilter(privacy: privacy)
                filter.prefixes = ["zzz"]
                let query = UserDirectorySQL(filter, caller: UserID(rawValue: 1), after: nil, limit: 20, columns: "u.id", placeholder: { "?\($0)" }, bytewise: "")
                let arguments = SQLiteStore.statementArguments(of: query)
                let plan = try await store.pool.read { db in
                    try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + query.sql, arguments: arguments).map { $0["detail"] as String }
                }
                // A bound LIMIT made the planner read every user in id order (`SCAN u`).
                #expect(!plan.contains("SCAN u"), "privacy \(privacy): \(plan)")
                #expect(plan.contains { $0.contains("USING INDEX users_first_name_lower") }, "privacy \(privacy): \(plan)")
            }
        }
    }

    @Test("filters: names by their start, phones with or without the country code, whole fields, friends; paging by cursor")
    func filters() async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            let everyone = Self.ids(try await Self.list(client, "", as: cast.rahul))
            #expect(everyone.contains(cast.alice.id) && !everyone.contains(cast.rahul.id))
            let email = try await client.call(.patch, "/api/core/user/me/", json: #"{"email": "Alice.Smith@example.com"}"#, token: cast.alice.access)
            try #require(email.status == .ok, "\(email.text)")

            for (query, expected) in [
                ("search=ali", [cast.alice.id]), ("search=SMITH", [cast.alice.id]), ("search=al%20sm", [cast.alice.id]),
                ("search=alice.s", [cast.alice.id]), ("search=zzz", []), ("search=ali%20garcia", []),
                ("search=78097%2072989", [cast.alice.id]), ("search=%2B917809772989", [cast.alice.id]),
                ("search=8744964282", [cast.maria.id]),
                ("first_name=aLiCe", [cast.alice.id]), ("first_name=ali", []),
                ("email=alice.smith@EXAMPLE.com", [cast.alice.id]), ("email=alice", []),
                ("phone_number=%2B91%2078097%2072989", [cast.alice.id]), ("phone_number=7809772989", [cast.alice.id]),
                ("first_name=Alice&phone_number=8744964282", []),
            ] {
                let reply = try await Self.list(client, query, as: cast.rahul)
                #expect(reply.status == .ok && reply.json?.elements != nil, "\(query): \(reply.text)")
                #expect(Self.ids(reply) == expected, "\(query): \(reply.text)")
            }

            let interest = try await client.sendInterest(from: cast.rahul, to: cast.alice)
            #expect(Self.ids(try await Self.list(client, "is_friend=true", as: cast.rahul)).isEmpty, "pending is no friend")
            try await client.acceptInterest(interest, by: cast.alice)
            #expect(Self.ids(try await Self.list(client, "is_friend=true", as: cast.rahul)) == [cast.alice.id])
            let strangers = Self.ids(try await Self.list(client, "is_friend=false", as: cast.rahul))
            #expect(Set(strangers) == Set(everyone).subtracting([cast.alice.id]))

            // Paging: every user once, in id order, a page at a time.
            var paged: [Int64] = []
            var cursor: String?
            var pages = 0
            repeat {
                let reply = try await Self.list(client, "limit=2" + (cursor.map { "&cursor=\($0)" } ?? ""), as: cast.rahul)
                try #require(reply.status == .ok && reply.json?["results"] != nil, "\(reply.text)")
                paged += Self.ids(reply)
                if case .string(let next)? = reply.json?["next_cursor"] { cursor = next } else { cursor = nil }
                pages += 1
            } while cursor != nil && pages < 50
            #expect(paged == everyone.sorted())

            for (query, field) in [
                ("is_friend=maybe", "is_friend"), ("limit=0", "limit"), ("limit=201", "limit"), ("cursor=abc", "cursor"),
                ("phone_number=12", "phone_number"), ("first_name=" + String(repeating: "x", count: 151), "first_name"),
            ] {
                let reply = try await Self.list(client, query, as: cast.rahul)
                #expect(reply.status == .badRequest && reply.json?[field] != nil, "\(query): \(reply.text)")
            }
            let tooMany = try await Self.list(client, "search=" + Array(repeating: "a", count: 11).joined(separator: "%20"), as: cast.rahul)
            #expect(tooMany.status == .badRequest)
        }
    }

    @Test("privacy: non-contacts show no phone or email and are found by their whole email only; unfindable by phone except by contacts")
    func privacy() async throws {
        try await withApp(environment: ["SWIFTCHAT_USER_PRIVACY": "true"]) { client, _ in
            let cast = try await client.cast()
            _ = try await client.call(.patch, "/api/core/user/me/", json: #"{"email": "maria@example.com"}"#, token: cast.maria.access)
            let interest = try await client.sendInterest(from: cast.rahul, to: cast.alice)
            try await client.acceptInterest(interest, by: cast.alice)

            let rows = try #require(try await Self.list(client, "", as: cast.rahul).json?.elements)
            let alice = try #require(rows.first { $0["id"] == .int(cast.alice.id) })
            let maria = try #require(rows.first { $0["id"] == .int(cast.maria.id) })
            #expect(alice["phone_number"] == .string(Demo.alice), "a contact's number shows")
            #expect(maria["phone_number"] == .null && maria["email"] == .null, "\(maria)")

            #expect(Self.ids(try await Self.list(client, "search=maria@", as: cast.rahul)).isEmpty, "a stranger's email is not guessed by its start")
            #expect(Self.ids(try await Self.list(client, "search=maria@example.com", as: cast.rahul)) == [cast.maria.id])
            #expect(Self.ids(try await Self.list(client, "search=8744964282", as: cast.rahul)) == [cast.maria.id])

            let off = try await client.call(.put, "/api/v2/me/privacy/", json: #"{"searchable_by_phone": false}"#, token: cast.maria.access)
            #expect(off.status == .ok && off.text.contains(#""searchable_by_phone":false"#), "\(off.text)")
            let shown = try await client.call(.get, "/api/v2/me/privacy/", token: cast.maria.access)
            #expect(shown.json?["searchable_by_phone"] == .bool(false))
            #expect(Self.ids(try await Self.list(client, "search=8744964282", as: cast.rahul)).isEmpty)
            #expect(Self.ids(try await Self.list(client, "phone_number=%2B918744964282", as: cast.rahul)).isEmpty)
            #expect(Self.ids(try await Self.list(client, "search=maria", as: cast.rahul)) == [cast.maria.id], "still found by name")

            let friends = try await client.sendInterest(from: cast.maria, to: cast.rahul)
            try await client.acceptInterest(friends, by: cast.rahul)
            #expect(Self.ids(try await Self.list(client, "search=8744964282", as: cast.rahul)) == [cast.maria.id], "contacts find her")

            let bad = try await client.call(.put, "/api/v2/me/privacy/", json: #"{"searchable_by_phone": "no"}"#, token: cast.maria.access)
            #expect(bad.status == .badRequest)
        }
    }
}
