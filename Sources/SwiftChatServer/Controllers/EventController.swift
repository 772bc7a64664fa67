import Hummingbird
import SwiftChatCore

/// `GET /api/v2/events/?since=&limit=`: the caller's event log after a position (`v2-api.md` §2).
struct EventController {
    let api: APIContext
    let events: EventLogService

    func register(on routes: APIRoutes<AppRequestContext>) {
        routes.on(.get, "/api/v2/events/", doc: Docs.listEvents, use: list)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let query = request.uri.queryParameters
        let since = try V2Query.sequence(query.get("since"), name: "since") ?? 0
        let limit = try V2Query.limit(query.get("limit"), default: 500, max: 1_000)
        let epoch = try await events.epoch()
        switch try await events.read(of: caller.id, since: since, limit: limit) {
        case .resyncRequired(let oldest):
            throw APIError.resyncRequired(oldestSeq: oldest)
        case .events(let slice):
            // The events are embedded as stored; only the envelope is built here.
            var body = "{\"epoch\":"
            JSONValue.string(epoch).write(to: &body)
            body += ",\"events\":[" + slice.events.map(\.json).joined(separator: ",") + "],\"latest_seq\":\(slice.latestSeq)}"
            return .jsonText(body)
        }
    }
}
