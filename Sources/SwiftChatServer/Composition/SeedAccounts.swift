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
