import Hummingbird
import SwiftChatCore

/// `GET /health/`: 200 only when the database answers; also says whether the cross-process
/// broker is connected, and how many store reads this process made for event-log readers.
struct HealthController {
    let store: any ChatStore
    let broker: any Broker
    let eventLogReads: EventLogReadCounter

    private var brokerState: String { broker.health.rawValue }

    private func answer(_ status: String) -> JSONValue {
        .object([("status", .string(status)), ("broker", .string(brokerState)), ("event_log_reads", .int(Int64(eventLogReads.total)))])
    }

    func register(on routes: APIRoutes<AppRequestContext>) {
        routes.on(.get, "/health/", slashOptional: true, doc: Docs.health) { _, context in
            do {
                try await store.ping()
                return .json(answer("ok"))
            } catch {
                context.logger.error("health check: database does not answer", metadata: ["error": "\(error)"])
                return .json(answer("unavailable"), status: .serviceUnavailable)
            }
        }
    }
}
