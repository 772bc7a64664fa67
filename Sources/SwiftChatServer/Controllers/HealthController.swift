import Hummingbird
import SwiftChatCore

/// `GET /health/`: 200 only when the database answers; also says whether the cross-process
/// broker is connected.
struct HealthController {
    let store: any ChatStore
    let broker: any Broker

    private var brokerState: String { broker.health.rawValue }

    func register(on routes: APIRoutes<AppRequestContext>) {
        routes.on(.get, "/health/", slashOptional: true, doc: Docs.health) { _, context in
            do {
                try await store.ping()
                return .json(.object([("status", .string("ok")), ("broker", .string(brokerState))]))
            } catch {
                context.logger.error("health check: database does not answer", metadata: ["error": "\(error)"])
                return .json(.object([("status", .string("unavailable")), ("broker", .string(brokerState))]), status: .serviceUnavailable)
            }
        }
    }
}
