import Foundation
import Logging
import ServiceLifecycle
import SwiftChatCore

/// Deletes events past both retention bounds (`SWIFTCHAT_EVENT_RETENTION` and
/// `SWIFTCHAT_EVENT_RETENTION_COUNT`) every `SWIFTCHAT_EVENT_PRUNE_INTERVAL`.
struct EventPruningService: Service {
    let events: EventLogService
    let interval: TimeInterval
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
            } catch {
                return
            }
            do {
                let removed = try await events.prune()
                if removed > 0 { logger.info("pruned the event log", metadata: ["events": "\(removed)"]) }
            } catch {
                logger.warning("pruning the event log failed", metadata: ["error": "\(error)"])
            }
        }
    }
}
