import Foundation
import Logging
import ServiceLifecycle
import SwiftChatCore

/// Now and then deletes expired OTP codes (phones that never come back leave no rows), expired
/// shared locations, expired admin sessions and aged-out rate limit entries.
struct HousekeepingService: Service {
    let store: any ChatStore
    let auth: AuthService
    let throttles: WriteThrottles
    let admin: AdminService
    let logger: Logger
    let now: @Sendable () -> Date

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(600)) }
            } catch {
                return
            }
            auth.purgeRateLimits()
            throttles.purge()
            do {
                _ = try await store.purgeExpiredOTPs(before: now())
            } catch {
                logger.warning("purging expired OTP codes failed", metadata: ["error": "\(error)"])
            }
            do {
                try await admin.purge()
            } catch {
                logger.warning("purging expired admin sessions failed", metadata: ["error": "\(error)"])
            }
            do {
                // In bounded batches, so one pass never holds the writer for long.
                while try await store.purgeExpiredLocations(before: now(), limit: 1_000) == 1_000 {}
            } catch {
                logger.warning("purging expired locations failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
