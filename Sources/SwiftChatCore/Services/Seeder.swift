import Foundation
import Logging

/// Creates the admin from the environment and the demo users (and, in dev mode, their demo
/// content), idempotently, at every start and with `swiftchat seed` (the original's
/// `admin_config` command).
public struct Seeder: Sendable {
    public struct Admin: Sendable {
        public var phone: PhoneNumber
        public var password: String

        public init(phone: PhoneNumber, password: String) {
            self.phone = phone
            self.password = password
        }
    }

    /// The original's five demo users. John's number was invalid there (+91720977989) and he
    /// could never log in; here he gets a valid one (deviation D9).
    public static let demoUsers: [(first: String, last: String, phone: String)] = [
        ("John", "Doe", "+917209779890"),
        ("Alice", "Smith", "+917809772989"),
        ("Rahul", "Sharma", "+917909772989"),
        ("Maria", "Garcia", "+918744964282"),
        ("Chen", "Wang", "+918474964282"),
    ]

    let store: any ChatStore
    let passwords: PasswordHasher
    let logger: Logger
    let now: @Sendable () -> Date

    public init(store: any ChatStore, passwords: PasswordHasher, logger: Logger, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.passwords = passwords
        self.logger = logger
        self.now = now
    }

    public struct Outcome: Sendable, Equatable {
        public var adminCreated: Bool
        public var demoUsersCreated: Int
        public var demoContentCreated: DemoContentSeeder.Outcome = .none
    }

    /// `demoContent` adds `DemoContentSeeder`'s content once the demo users exist; without
    /// `demoUsers` it does nothing.
    @discardableResult
    public func seed(admin: Admin?, demoUsers: Bool, demoContent: Bool = false) async throws -> Outcome {
        var outcome = Outcome(adminCreated: false, demoUsersCreated: 0)
        if let admin {
            outcome.adminCreated = try await ensureAdmin(admin)
        }
        if demoUsers {
            outcome.demoUsersCreated = try await ensureDemoUsers()
            if demoContent {
                outcome.demoContentCreated = try await DemoContentSeeder(store: store, logger: logger, now: now).seed()
            }
        }
        return outcome
    }

    private func ensureAdmin(_ admin: Admin) async throws -> Bool {
        if let existing = try await store.user(phoneNumber: admin.phone.e164) {
            if !(existing.isStaff && existing.isSuperuser) {
                logger.warning("the admin phone belongs to a user who is not an admin; no admin created", metadata: ["phone": "\(admin.phone)"])
            }
            return false
        }
        do {
            _ = try await store.createUser(NewUser(
                phoneNumber: admin.phone.e164, firstName: "admin", lastName: "admin",
                passwordHash: await passwords.hash(admin.password), isStaff: true, isSuperuser: true), at: now())
        } catch StoreError.conflict {
            return false  // another instance created it at the same moment
        }
        logger.info("admin created", metadata: ["phone": "\(admin.phone)"])
        return true
    }

    /// Each demo user that is missing is created, so a partly seeded database is completed.
    private func ensureDemoUsers() async throws -> Int {
        var created = 0
        for demo in Self.demoUsers where try await store.user(phoneNumber: demo.phone) == nil {
            do {
                _ = try await store.createUser(NewUser(phoneNumber: demo.phone, firstName: demo.first, lastName: demo.last), at: now())
                created += 1
            } catch StoreError.conflict {
                continue  // another instance seeded it at the same moment
            }
        }
        if created > 0 { logger.info("demo users created", metadata: ["count": "\(created)"]) }
        return created
    }
}
