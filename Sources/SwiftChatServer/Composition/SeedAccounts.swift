import Foundation
import Logging
import SwiftChatCore

/// The admin from the settings and the demo users, created if missing, and the demo content
/// once per database.
@discardableResult
public func seedAccounts(
    store: any ChatStore, settings: Settings, passwords: PasswordHasher, logger: Logger, now: @escaping @Sendable () -> Date = Date.init
) async throws -> Seeder.Outcome {
    try await Seeder(store: store, passwords: passwords, logger: logger, now: now).seed(
        admin: settings.adminPhone.map { Seeder.Admin(phone: $0, password: settings.adminPassword ?? "") },
        demoUsers: settings.seedDemoUsers, demoContent: settings.seedDemoContent)
}

/// Migrates the database and seeds it, over a store of its own that is closed afterwards
/// (`serve` before it builds the app, and the `seed` command). Done before the app exists, so a
/// failure is this call's error: inside a running service group it would end the group instead,
/// and a test client waiting for the server's port would wait forever.
@discardableResult
public func prepareDatabase(
    _ settings: Settings, passwords: PasswordHasher, logger: Logger, now: @escaping @Sendable () -> Date = Date.init
) async throws -> Seeder.Outcome {
    let store = try await openStore(settings, logger: logger)
    do {
        let outcome = try await seedAccounts(store: store, settings: settings, passwords: passwords, logger: logger, now: now)
        await store.close()
        return outcome
    } catch {
        await store.close()
        throw error
    }
}
