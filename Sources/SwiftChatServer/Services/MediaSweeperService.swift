import Foundation
import Logging
import ServiceLifecycle
import SwiftChatCore

/// Runs the media sweeper every interval (and once at start, for what a stopped server left).
struct MediaSweeperService: Service {
    let sweeper: MediaSweeper
    let interval: TimeInterval
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await sweeper.sweep()
            } catch {
                logger.warning("the media sweep failed", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
            } catch {
                return
            }
        }
    }
}
