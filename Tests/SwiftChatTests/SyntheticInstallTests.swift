import Foundation
import Testing
@testable import SwiftChatCore

/// `swiftchat generate-data`: the made-up install the search bench runs on fills both stores
/// alike, and its rows are searchable as if people had written them.
@Suite("Synthetic install")
struct SyntheticInstallTests {
    static let at = Date(timeIntervalSince1970: 1_795_561_652)

    @Test("users, groups, messages and locations land, the same rows every time, and every search finds them", arguments: TestBackends.stores)
    func generates(backend: StoreBackend) async throws {
        let install = SyntheticInstall(users: 200, messages: 1_003, groupSize: 10, at: Self.at)
        try await withStore(backend) { store, _ in
            try await install.generate(into: store, batch: 64) { _ in }
            let counts = try await store.tableCounts()
            #expect(try await store.userCount() == 200)
            #expect(try await store.messages(after: 0, limit: 2_000).count == 1_003)
            let first = try #require(try await store.user(phoneNumber: SyntheticInstall.phoneNumber(0)))
            #expect(first.id == 1 && first.firstName == "Alice")

            // Member of group 1 only: search sees its messages and no other group's.
            let mine = try await store.messages(after: 0, limit: 2_000).filter { $0.conversationID == 1 }
            #expect(mine.count == 51, "1,003 messages over 20 groups: the first three get one more")
            let word = try #require(mine.first?.message.split(separator: " ").first.map(String.init))
            let hits = try await store.searchMessages(try MessageSearchQuery(word, maxTerms: 10, maxTermLength: 100), for: first.id, in: nil, offset: 0, limit: 50)
            #expect(!hits.isEmpty && hits.allSatisfy { $0.message.conversationID == 1 })

            var filter = UserFilter(privacy: false)
            filter.prefixes = ["ali"]
            let named = try await store.users(matching: filter, for: first.id, after: nil, limit: 100)
            // Alice is every 30th user from 0 (7 of the first 200), Ali every 30th from 23 (6), less the caller.
            #expect(named.count == 12 && named.allSatisfy { $0.firstName == "Alice" || $0.firstName == "Ali" || $0.lastName == "Ali" }, "\(named.map(\.firstName))")

            let nearby = NearbyService(store: store, cellMeters: 1000, lifetime: 3600, now: { Self.at })
            let paris = try GeoPoint(latitude: 48.8566, longitude: 2.3522)
            let around = try await nearby.nearby(paris, radiusKm: 100, limit: 100, by: first.id)
            #expect(around.count > 10 && around.count < 40, "about 80% of the 40 Paris users share: \(around.count)")

            // Another store gets the very same rows.
            try await withStore(.sqlite) { again, _ in
                try await install.generate(into: again, batch: 500) { _ in }
                #expect(try await again.tableCounts() == counts)
                #expect(try await again.messages(after: 0, limit: 2_000) == (try await store.messages(after: 0, limit: 2_000)))
            }
            // Ids go on after the generated ones.
            let next = try await store.createUser(NewUser(phoneNumber: freshPhone(1)), at: Self.at)
            #expect(next.id == 201)
        }
    }
}
