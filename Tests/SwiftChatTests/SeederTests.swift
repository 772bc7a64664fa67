import Foundation
import Testing
@testable import SwiftChatCore
@testable import SwiftChatSQLite

/// The admin and demo users created at start (the original's `admin_config`, deviation D9).
@Suite("Seeder")
struct SeederTests {
    static let admin = Seeder.Admin(phone: PhoneNumber(parsing: Demo.admin)!, password: Demo.adminPassword)

    func withSeeder<T>(_ body: (SQLiteStore, Seeder) async throws -> T) async throws -> T {
        try await withTemporaryDirectory { folder in
            let store = try SQLiteStore(path: folder.appendingPathComponent("seed.sqlite3").path)
            try await store.migrate()
            return try await body(store, Seeder(store: store, passwords: PasswordHasher(cost: 4), logger: testLogger))
        }
    }

    @Test("the admin and five demo users are created once; seeding again creates nothing")
    func idempotent() async throws {
        try await withSeeder { store, seeder in
            let first = try await seeder.seed(admin: Self.admin, demoUsers: true)
            #expect(first == Seeder.Outcome(adminCreated: true, demoUsersCreated: 5))
            #expect(try await store.userCount() == 6)
            let second = try await seeder.seed(admin: Self.admin, demoUsers: true)
            #expect(second == Seeder.Outcome(adminCreated: false, demoUsersCreated: 0))
            #expect(try await store.userCount() == 6)
        }
    }

    @Test("the admin is staff and superuser with a bcrypt password; demo users have no password")
    func seededAccounts() async throws {
        try await withSeeder { store, seeder in
            try await seeder.seed(admin: Self.admin, demoUsers: true)
            let admin = try #require(try await store.user(phoneNumber: Demo.admin))
            #expect(admin.isStaff && admin.isSuperuser)
            #expect(admin.passwordHash.hasPrefix("$2"))
            let matches = await PasswordHasher(cost: 4).verify(Demo.adminPassword, against: admin.passwordHash)
            #expect(matches)
            for demo in Seeder.demoUsers {
                let user = try #require(try await store.user(phoneNumber: demo.phone))
                #expect(user.firstName == demo.first && user.lastName == demo.last)
                #expect(!user.hasUsablePassword && !user.isStaff)
            }
        }
    }

    @Test("a partly seeded database is completed")
    func partialSeed() async throws {
        try await withSeeder { store, seeder in
            try await seeder.seed(admin: nil, demoUsers: true)
            let maria = try #require(try await store.user(phoneNumber: Demo.maria))
            _ = try await store.deleteUser(id: maria.id)
            let outcome = try await seeder.seed(admin: nil, demoUsers: true)
            #expect(outcome == Seeder.Outcome(adminCreated: false, demoUsersCreated: 1))
            #expect(try await store.userCount() == 5)
        }
    }

    @Test("D9: John's phone is valid; the other demo phones are the original's")
    func demoPhones() {
        let phones = Seeder.demoUsers.map(\.phone)
        #expect(phones == [Demo.john, Demo.alice, Demo.rahul, Demo.maria, Demo.chen])
        #expect(!phones.contains("+91720977989"))
        for phone in phones {
            #expect(PhoneNumber(parsing: phone)?.e164 == phone, "\(phone) must be valid and in E.164 form")
        }
    }

    @Test("D9: John can log in by OTP")
    func johnLogsIn() async throws {
        try await withApp { client, _ in
            let john = try await client.logIn(Demo.john)
            let me = try await client.call(.get, Routes.me, token: john.access)
            #expect(me.dictionary["first_name"] as? String == "John")
        }
    }

    @Test("a non-admin who already holds the admin phone is not made admin")
    func adminPhoneTaken() async throws {
        try await withSeeder { store, seeder in
            let holder = try await store.createUser(NewUser(phoneNumber: Demo.admin, firstName: "Not", lastName: "Admin"), at: Date())
            let outcome = try await seeder.seed(admin: Self.admin, demoUsers: false)
            #expect(outcome == Seeder.Outcome(adminCreated: false, demoUsersCreated: 0))
            let after = try #require(try await store.user(phoneNumber: Demo.admin))
            #expect(after == holder)
            #expect(!after.isStaff && !after.isSuperuser && !after.hasUsablePassword)
            #expect(try await store.userCount() == 1)
        }
    }
}
