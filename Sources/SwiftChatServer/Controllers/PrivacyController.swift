import Hummingbird
import SwiftChatCore

/// `/api/v2/me/privacy/`: whether people who are not the caller's contacts find them by phone number.
struct PrivacyController {
    let api: APIContext

    func register(on routes: APIRoutes<AppRequestContext>) {
        routes.on(.get, "/api/v2/me/privacy/", doc: Docs.privacySetting, use: show)
        routes.on(.put, "/api/v2/me/privacy/", doc: Docs.changePrivacySetting, use: change)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        return .json(.object([("searchable_by_phone", .bool(try await api.users.isSearchableByPhone(caller.id)))]))
    }

    @Sendable func change(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let searchable = try await V2Body.decode(PrivacySettingBody.self, from: request, maxSize: api.maxBodySize).searchableByPhone
        try await api.users.setSearchableByPhone(caller.id, searchable)
        return .json(.object([("searchable_by_phone", .bool(searchable))]))
    }
}
