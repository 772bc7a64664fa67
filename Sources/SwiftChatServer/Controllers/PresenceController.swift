import Hummingbird
import SwiftChatCore

/// `/api/v2/me/presence/`: whether the caller shows others when they are online.
struct PresenceController {
    let api: APIContext
    let presence: PresenceService

    func register(on routes: APIRoutes<AppRequestContext>) {
        routes.on(.get, "/api/v2/me/presence/", doc: Docs.presenceSetting, use: show)
        routes.on(.put, "/api/v2/me/presence/", doc: Docs.changePresenceSetting, use: change)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        return .json(.object([("hidden", .bool(try await presence.isHidden(caller.id)))]))
    }

    @Sendable func change(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let hidden = try await V2Body.decode(PresenceSettingBody.self, from: request, maxSize: api.maxBodySize).hidden
        try await presence.setHidden(caller.id, hidden)
        return .json(.object([("hidden", .bool(hidden))]))
    }
}
