import Foundation
import ServiceLifecycle

/// Runs a piece of housekeeping once at start and then every `interval`, until the graceful
/// shutdown. The work handles and logs its own failures, so one bad round never ends the loop.
struct RepeatingService: Service {
    let interval: TimeInterval
    let work: @Sendable () async -> Void

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            await work()
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
            } catch {
                return
            }
        }
    }
}
