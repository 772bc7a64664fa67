import Foundation
import GRDB
import Testing
@testable import SwiftChatCore
@testable import SwiftChatSQLite

/// The SQLite store on a real file in a temporary folder.
@Suite("SQLite store")
struct SQLiteStoreTests {
    static let epoch = Date(timeIntervalSince1970: 1_795_561_652.533023)

    /// A migrated store in a folder that does not exist yet.
    func withStore<T>(_ body: (SQLiteStore, String) async throws -> T) async throws -> T {
        try await withTemporaryDirectory { folder in
            let path = folder.appendingPathComponent("not/yet/there/chat.sqlite3").path
            let store = try SQLiteStore(path: path)
            try await store.migrate()
            return try await body(store, path)
        }
    }

    @Test("the folder is created and the database is in WAL mode with foreign keys on")
    func fileSetup() async throws {
        try await withStore { store, path in
            #expect(FileManager.default.fileExists(atPath: path))
            _ = try await store.createUser(NewUser(phoneNumber: freshPhone(1)), at: Self.epoch)
            // WAL is a property of the file: a separate connection sees it.
            let other = try DatabaseQueue(path: path)
            #expect(try await other.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") } == "wal")
            #expect(FileManager.default.fileExists(atPath: path + "-wal"))
            #expect(try await store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA foreign_keys") } == 1)
        }
    }

    @Test("migrate is idempotent and data survives reopening the store")
    func migrateTwiceAndReopen() async throws {
        try await withStore { store, path in
            try await store.migrate()
            let created = try await store.createUser(
                NewUser(phoneNumber: freshPhone(1), email: "a@example.com", firstName: "A", lastName: "B", passwordHash: "$2b$hash"),
                at: Self.epoch)
            let other = try await store.createUser(NewUser(phoneNumber: freshPhone(2)), at: Self.epoch)
            let interest = try await store.createInterest(from: created.id, to: other.id, at: Self.epoch)
            let message = try await store.createMessage(in: interest.id, by: created.id, text: "hello", at: Self.epoch)

            let reopened = try SQLiteStore(path: path)
            try await reopened.migrate()
            try await reopened.migrate()
            #expect(try await reopened.user(id: created.id) == created)
            #expect(try await reopened.interest(id: interest.id) == interest)
            #expect(try await reopened.message(id: message.id) == message)
            #expect(try await reopened.userCount() == 2)
            #expect(created.dateJoined == Self.epoch, "microsecond precision is kept")
        }
    }

    @Test("deleting a user cascades to their interests and messages, and only theirs")
    func cascade() async throws {
        try await withStore { store, _ in
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

    @Test("one interest per unordered pair", arguments: [false, true])
    func uniquePair(reversed: Bool) async throws {
        try await withStore { store, _ in
            let a = try await store.createUser(NewUser(phoneNumber: freshPhone(1)), at: Self.epoch)
            let b = try await store.createUser(NewUser(phoneNumber: freshPhone(2)), at: Self.epoch)
            _ = try await store.createInterest(from: a.id, to: b.id, at: Self.epoch)
            await #expect(throws: StoreError.conflict) {
                _ = try await store.createInterest(from: reversed ? b.id : a.id, to: reversed ? a.id : b.id, at: Self.epoch)
            }
            #expect(try await store.interests(involving: a.id).count == 1)
        }
    }

    @Test("a taken phone number is a conflict")
    func uniquePhone() async throws {
        try await withStore { store, _ in
            _ = try await store.createUser(NewUser(phoneNumber: freshPhone(1)), at: Self.epoch)
            await #expect(throws: StoreError.conflict) {
                _ = try await store.createUser(NewUser(phoneNumber: freshPhone(1)), at: Self.epoch)
            }
        }
    }

    @Test("a write that points at a missing row is a missing reference")
    func missingReference() async throws {
        try await withStore { store, _ in
            let a = try await store.createUser(NewUser(phoneNumber: freshPhone(1)), at: Self.epoch)
            await #expect(throws: StoreError.missingReference) {
                _ = try await store.createMessage(in: 4242, by: a.id, text: "lost", at: Self.epoch)
            }
            await #expect(throws: StoreError.missingReference) {
                _ = try await store.createInterest(from: a.id, to: 4242, at: Self.epoch)
            }
        }
    }

    @Test("consumeOTP: a match is single-use, misses are counted, expiry wins")
    func consumeOTP() async throws {
        try await withStore { store, _ in
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

    @Test("codes for the two purposes are separate rows; expired ones are purged")
    func otpRows() async throws {
        try await withStore { store, _ in
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
}
