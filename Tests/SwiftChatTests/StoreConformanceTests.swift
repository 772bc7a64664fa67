import Foundation
import GRDB
import Testing
@testable import SwiftChatCore
@testable import SwiftChatSQLite

/// What only the SQLite store promises: a real file, WAL, foreign keys.
@Suite("SQLite store")
struct SQLiteStoreTests {
    @Test("the folder is created and the database is in WAL mode with foreign keys on")
    func fileSetup() async throws {
        try await withTemporaryDirectory { folder in
            let path = folder.appendingPathComponent("not/yet/there/chat.sqlite3").path
            let store = try SQLiteStore(path: path)
            try await store.migrate()
            #expect(FileManager.default.fileExists(atPath: path))
            _ = try await store.createUser(NewUser(phoneNumber: freshPhone(1)), at: StoreConformanceTests.epoch)
            // WAL is a property of the file: a separate connection sees it.
            let other = try DatabaseQueue(path: path)
            #expect(try await other.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
            #expect(FileManager.default.fileExists(atPath: path + "-wal"))
            #expect(try await store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA foreign_keys") } == 1)
        }
    }

    @Test("several stores migrating one new file at once all succeed, and the schema is made once")
    func concurrentMigrations() async throws {
        try await withTemporaryDirectory { folder in
            let path = folder.appendingPathComponent("chat.sqlite3").path
            _ = try SQLiteStore(path: path)  // the file exists before the race, as when processes share it
            let stores = try (0..<6).map { _ in try SQLiteStore(path: path) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for store in stores { group.addTask { try await store.migrate() } }
                try await group.waitForAll()
            }
            let applied = try await stores[0].pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM grdb_migrations") }
            #expect(applied == SQLiteSchema.migrator.migrations.count)
            for store in stores { await store.close() }
        }
    }
}

/// Every store answers the same: each test runs on SQLite and, when `SWIFTCHAT_TEST_DATABASE_URL`
/// is set, on PostgreSQL (a fresh schema per test).
@Suite("Store conformance")
struct StoreConformanceTests {
    static let epoch = Date(timeIntervalSince1970: 1_795_561_652.533023)

    @Test("migrate is idempotent and data survives reopening the store", arguments: TestBackends.stores)
    func migrateTwiceAndReopen(backend: StoreBackend) async throws {
        try await withStore(backend) { store, place in
            try await store.migrate()
            let created = try await store.createUser(
                NewUser(phoneNumber: freshPhone(1), email: "a@example.com", firstName: "A", lastName: "B", passwordHash: "$2b$hash"),
                at: Self.epoch)
            let other = try await store.createUser(NewUser(phoneNumber: freshPhone(2)), at: Self.epoch)
            let interest = try await store.createInterest(from: created.id, to: other.id, at: Self.epoch)
            let message = try await store.createMessage(in: interest.id, by: created.id, text: "hello", at: Self.epoch)

            let reopened = try await place.open()
            try await reopened.migrate()
            #expect(try await reopened.user(id: created.id) == created)
            #expect(try await reopened.interest(id: interest.id) == interest)
            #expect(try await reopened.message(id: message.id) == message)
            #expect(try await reopened.userCount() == 2)
            #expect(created.dateJoined == Self.epoch, "microsecond precision is kept")
            await reopened.close()
        }
    }

    @Test("deleting a user cascades to their interests and messages, and only theirs", arguments: TestBackends.stores)
    func cascade(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let a = try await store.createUser(NewUser(phoneNumber: freshPhone(1)), at: Self.epoch)
            let b = try await store.createUser(NewUser(phoneNumber: freshPhone(2)), at: Self.epoch)
            let c = try await store.createUser(NewUser(phoneNumber: freshPhone(3)), at: Self.epoch)
            let ab = try await store.createInterest(from: a.id, to: b.id, at: Self.epoch)
            let ca = try await store.createInterest(from: c.id, to: a.id, at: Self.epoch)
            let bc = try await store.createInterest(from: b.id, to: c.id, at: Self.epoch)
            let byB = try await store.createMessage(in: ab.id, by: b.id, text: "to a", at: Self.epoch)
            let kept = try await store.createMessage(in: bc.id, by: b.id, text: "to c", at: Self.epoch)

            let removed = try await store.deleteUser(id: a.id)
            #expect(Set(removed?.map(\.id) ?? []) == [ab.id, ca.id])
            #expect(try await store.user(id: a.id) == nil)
            #expect(try await store.interest(id: ab.id) == nil)
            #expect(try await store.interest(id: ca.id) == nil)
            #expect(try await store.message(id: byB.id) == nil, "messages go with their interest")
            #expect(try await store.interest(id: bc.id) == bc)
            #expect(try await store.message(id: kept.id) == kept)
            #expect(try await store.deleteUser(id: a.id) == nil)
        }
    }

    @Test("one interest per unordered pair", arguments: TestBackends.stores, [false, true])
    func uniquePair(backend: StoreBackend, reversed: Bool) async throws {
        try await withStore(backend) { store, _ in
            let a = try await store.createUser(NewUser(phoneNumber: freshPhone(1)), at: Self.epoch)
            let b = try await store.createUser(NewUser(phoneNumber: freshPhone(2)), at: Self.epoch)
            _ = try await store.createInterest(from: a.id, to: b.id, at: Self.epoch)
            await #expect(throws: StoreError.conflict) {
                _ = try await store.createInterest(from: reversed ? b.id : a.id, to: reversed ? a.id : b.id, at: Self.epoch)
            }
            #expect(try await store.interests(involving: a.id).count == 1)
        }
    }

    @Test("a taken phone number is a conflict", arguments: TestBackends.stores)
    func uniquePhone(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            _ = try await store.createUser(NewUser(phoneNumber: freshPhone(1)), at: Self.epoch)
            await #expect(throws: StoreError.conflict) {
                _ = try await store.createUser(NewUser(phoneNumber: freshPhone(1)), at: Self.epoch)
            }
        }
    }

    @Test("a write that points at a missing row is a missing reference", arguments: TestBackends.stores)
    func missingReference(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let a = try await store.createUser(NewUser(phoneNumber: freshPhone(1)), at: Self.epoch)
            await #expect(throws: StoreError.missingReference) {
                _ = try await store.createMessage(in: 4242, by: a.id, text: "lost", at: Self.epoch)
            }
            await #expect(throws: StoreError.missingReference) {
                _ = try await store.createInterest(from: a.id, to: 4242, at: Self.epoch)
            }
        }
    }

    @Test("consumeOTP: a match is single-use, misses are counted, expiry wins", arguments: TestBackends.stores)
    func consumeOTP(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let expires = Self.epoch.addingTimeInterval(120)
            try await store.saveOTP(PendingOTP(phoneNumber: freshPhone(1), purpose: .authLogin, codeHash: "right", expiresAt: expires))
            func check(_ hash: String, _ at: Date) async throws -> OTPCheck {
                try await store.consumeOTP(phoneNumber: freshPhone(1), purpose: .authLogin, codeHash: hash, now: at, maxAttempts: 3)
            }
            #expect(try await check("wrong", Self.epoch) == .wrongCode)
            #expect(try await store.pendingOTP(phoneNumber: freshPhone(1), purpose: .authLogin)?.failedAttempts == 1)
            #expect(try await check("right", Self.epoch) == .accepted)
            #expect(try await check("right", Self.epoch) == .missingOrExpired)

            try await store.saveOTP(PendingOTP(phoneNumber: freshPhone(1), purpose: .authLogin, codeHash: "right", expiresAt: expires))
            #expect(try await check("right", expires) == .missingOrExpired)
            #expect(try await store.pendingOTP(phoneNumber: freshPhone(1), purpose: .authLogin) == nil)
        }
    }

    @Test("codes for the two purposes are separate rows; expired ones are purged", arguments: TestBackends.stores)
    func otpRows(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            try await store.saveOTP(PendingOTP(phoneNumber: freshPhone(1), purpose: .authLogin, codeHash: "a", expiresAt: Self.epoch))
            try await store.saveOTP(
                PendingOTP(phoneNumber: freshPhone(1), purpose: .newAccount, codeHash: "n", expiresAt: Self.epoch.addingTimeInterval(120)))
            #expect(try await store.pendingOTP(phoneNumber: freshPhone(1), purpose: .authLogin)?.codeHash == "a")
            #expect(try await store.pendingOTP(phoneNumber: freshPhone(1), purpose: .newAccount)?.codeHash == "n")
            #expect(try await store.purgeExpiredOTPs(before: Self.epoch.addingTimeInterval(1)) == 1)
            #expect(try await store.pendingOTP(phoneNumber: freshPhone(1), purpose: .authLogin) == nil)
            #expect(try await store.pendingOTP(phoneNumber: freshPhone(1), purpose: .newAccount) != nil)
        }
    }

    @Test("profile changes: only the given fields change, and email can be cleared", arguments: TestBackends.stores)
    func profileChanges(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let user = try await store.createUser(NewUser(phoneNumber: freshPhone(1), email: "a@example.com", firstName: "A"), at: Self.epoch)
            let renamed = try await store.updateProfile(of: user.id, ProfileChanges(lastName: "Z"))
            #expect(renamed?.email == "a@example.com")
            #expect(renamed?.firstName == "A")
            #expect(renamed?.lastName == "Z")
            let cleared = try await store.updateProfile(of: user.id, ProfileChanges(email: .some(nil), firstName: "B"))
            #expect(cleared?.email == nil)
            #expect(cleared?.firstName == "B")
            #expect(try await store.updateProfile(of: 4242, ProfileChanges(firstName: "nobody")) == nil)
            #expect(try await store.user(phoneNumber: freshPhone(1)) == cleared)
            #expect(try await store.users(excluding: user.id).isEmpty)
        }
    }

    @Test("interest lists: the other party, the accepted filter, search on first names, every ordering", arguments: TestBackends.stores)
    func interestLists(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let me = try await store.createUser(NewUser(phoneNumber: freshPhone(1), firstName: "Mia"), at: Self.epoch)
            let ann = try await store.createUser(NewUser(phoneNumber: freshPhone(2), firstName: "Annabel"), at: Self.epoch)
            let bob = try await store.createUser(NewUser(phoneNumber: freshPhone(3), firstName: "Bob"), at: Self.epoch)
            let stranger = try await store.createUser(NewUser(phoneNumber: freshPhone(4), firstName: "Annie"), at: Self.epoch)
            let toAnn = try await store.createInterest(from: me.id, to: ann.id, at: Self.epoch.addingTimeInterval(2))
            let fromBob = try await store.createInterest(from: bob.id, to: me.id, at: Self.epoch.addingTimeInterval(1))
            _ = try await store.createInterest(from: stranger.id, to: bob.id, at: Self.epoch)
            let accepted = try #require(try await store.acceptInterest(id: fromBob.id))
            #expect(accepted.isAccepted)
            #expect(try await store.acceptInterest(id: 4242) == nil)

            let all = try await store.interests(of: me.id, filter: InterestFilter())
            #expect(all.map(\.interest.id) == [toAnn.id, fromBob.id])
            #expect(all.map(\.otherUser.id) == [ann.id, bob.id])
            #expect(try await store.interests(of: me.id, filter: InterestFilter(isAccepted: true)).map(\.interest.id) == [fromBob.id])
            #expect(try await store.interests(of: me.id, filter: InterestFilter(isAccepted: false)).map(\.interest.id) == [toAnn.id])
            #expect(try await store.interests(of: me.id, filter: InterestFilter(searchTerms: ["ANNA"])).map(\.interest.id) == [toAnn.id])
            #expect(try await store.interests(of: me.id, filter: InterestFilter(searchTerms: ["mi"])).count == 2, "my own name matches too")
            #expect(try await store.interests(of: me.id, filter: InterestFilter(searchTerms: ["mi", "bo"])).map(\.interest.id) == [fromBob.id])
            #expect(try await store.interests(of: me.id, filter: InterestFilter(searchTerms: ["%"])).isEmpty, "no wildcard syntax")
            let orders: [(ListOrdering, [InterestID])] = [
                (.id, [toAnn.id, fromBob.id]), (.idDescending, [fromBob.id, toAnn.id]),
                (.createdAt, [fromBob.id, toAnn.id]), (.createdAtDescending, [toAnn.id, fromBob.id]),
            ]
            for (ordering, expected) in orders {
                #expect(try await store.interests(of: me.id, filter: InterestFilter(ordering: ordering)).map(\.interest.id) == expected, "\(ordering)")
            }
            #expect(try await store.interest(between: ann.id, and: me.id) == toAnn)
            #expect(try await store.interest(between: me.id, and: stranger.id) == nil)
            #expect(try await store.deleteInterest(id: toAnn.id) == toAnn)
            #expect(try await store.deleteInterest(id: toAnn.id) == nil)
        }
    }

    @Test("messages come back in every ordering, with exact times", arguments: TestBackends.stores)
    func messageOrdering(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let a = try await store.createUser(NewUser(phoneNumber: freshPhone(1)), at: Self.epoch)
            let b = try await store.createUser(NewUser(phoneNumber: freshPhone(2)), at: Self.epoch)
            let interest = try await store.createInterest(from: a.id, to: b.id, at: Self.epoch)
            let late = try await store.createMessage(in: interest.id, by: a.id, text: "ünïcode ✓ and 'quotes'", at: Self.epoch.addingTimeInterval(0.000_002))
            let early = try await store.createMessage(in: interest.id, by: b.id, text: "", at: Self.epoch.addingTimeInterval(0.000_001))
            #expect(try await store.messages(in: interest.id, ordering: .id) == [late, early])
            #expect(try await store.messages(in: interest.id, ordering: .createdAt) == [early, late])
            #expect(try await store.messages(in: interest.id, ordering: .createdAtDescending) == [late, early])
            #expect(try await store.message(id: late.id)?.message == "ünïcode ✓ and 'quotes'")
            #expect(try await store.messages(in: 4242, ordering: .id).isEmpty)
        }
    }

    @Test("a code checked by many requests at once is accepted exactly once", arguments: TestBackends.stores)
    func consumeOTPConcurrently(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let phone = freshPhone(1)
            try await store.saveOTP(PendingOTP(phoneNumber: phone, purpose: .authLogin, codeHash: "right", expiresAt: Self.epoch.addingTimeInterval(60)))
            let results = await withTaskGroup(of: OTPCheck?.self) { group in
                for _ in 0..<12 {
                    group.addTask { try? await store.consumeOTP(phoneNumber: phone, purpose: .authLogin, codeHash: "right", now: Self.epoch, maxAttempts: 5) }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.filter { $0 == .accepted }.count == 1)
            #expect(results.filter { $0 == .missingOrExpired }.count == 11)
        }
    }

    @Test("move-data: an install copied into an empty store keeps every row and id, and new ids follow", arguments: TestBackends.stores)
    func moveData(backend: StoreBackend) async throws {
        try await withStore(.sqlite) { source, _ in
            var users: [User] = []
            for index in 1...7 {
                let isAdmin = index == 1
                let email: String? = index.isMultiple(of: 2) ? "u\(index)@example.com" : nil
                let new = NewUser(
                    phoneNumber: freshPhone(index), email: email, firstName: "U\(index)", passwordHash: isAdmin ? "$2b$04$hash" : "",
                    isStaff: isAdmin, isSuperuser: isAdmin)
                users.append(try await source.createUser(new, at: Self.epoch.addingTimeInterval(Double(index) / 1_000_000)))
            }
            // A gap in the ids: a deleted user's id must not come back.
            _ = try await source.deleteUser(id: users[6].id)
            var interests: [Interest] = []
            for (from, to) in [(0, 1), (2, 0), (3, 4), (5, 1)] {
                interests.append(try await source.createInterest(from: users[from].id, to: users[to].id, at: Self.epoch))
            }
            _ = try await source.acceptInterest(id: interests[0].id)
            for index in 0..<1_203 {
                let interest = interests[index % interests.count]
                _ = try await source.createMessage(in: interest.id, by: interest.sentBy, text: "message \(index) ✓", at: Self.epoch.addingTimeInterval(Double(index)))
            }
            try await source.saveOTP(PendingOTP(phoneNumber: freshPhone(9), purpose: .newAccount, codeHash: "h", expiresAt: Self.epoch, failedAttempts: 2))

            try await withStore(backend) { target, _ in
                let counts = try await DataMover(from: source, to: target, batchSize: 100).move()
                let sourceCounts = try await source.tableCounts()
                #expect(counts == TableCounts(users: 6, pendingOTPs: 1, interests: 4, messages: 1_203, others: sourceCounts.others))
                // Each interest has its direct conversation with both parties; every message is an event for both.
                #expect(sourceCounts.others["conversations"] == 4 && sourceCounts.others["conversation_members"] == 8)
                #expect((sourceCounts.others["events"] ?? 0) >= 2 * 1_203)
                #expect(try await target.tableCounts() == source.tableCounts())
                #expect(try await target.users(after: 0, limit: 100) == source.users(after: 0, limit: 100))
                #expect(try await target.interests(of: users[0].id, filter: InterestFilter()) == source.interests(of: users[0].id, filter: InterestFilter()))
                #expect(try await target.messages(in: interests[1].id, ordering: .createdAtDescending)
                    == source.messages(in: interests[1].id, ordering: .createdAtDescending))
                #expect(try await target.pendingOTP(phoneNumber: freshPhone(9), purpose: .newAccount)?.failedAttempts == 2)

                let next = try await target.createUser(NewUser(phoneNumber: freshPhone(20)), at: Self.epoch)
                #expect(next.id > users[6].id, "ids continue after the largest ever used in the source")
                let nextMessage = try await target.createMessage(in: interests[0].id, by: users[0].id, text: "after", at: Self.epoch)
                #expect(nextMessage.id == 1_204)

                await #expect(throws: DataMover.TargetNotEmpty.self) { try await DataMover(from: source, to: target).move() }
            }
        }
    }
}
