import Foundation
import Hummingbird
import SwiftChatCore

/// `/api/v2/search/messages/`: full-text search over the caller's conversations.
struct SearchController {
    let api: APIContext
    let search: MessageSearchService

    func register(on routes: APIRoutes<AppRequestContext>) {
        routes.on(.get, "/api/v2/search/messages/", doc: Docs.searchMessages, use: messages)
    }

    @Sendable func messages(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let query = request.uri.queryParameters
        guard let text = query.get("q") else { throw APIError.field("q", "Give a word to search for.") }
        let limit = try V2Query.limit(query.get("limit"), default: 20, max: 50)
        let conversation = try query.get("conversation").map { text in
            guard let id = Int64(text), id > 0 else { throw APIError.field("conversation", "A conversation id (a whole number).") }
            return ConversationID(rawValue: id)
        }
        var offset = 0
        if let cursor = query.get("cursor") {
            guard let parsed = Int(cursor), (1..<MessageSearchService.maxDepth).contains(parsed) else {
                throw APIError.field("cursor", "Not a cursor this server handed out.")
            }
            offset = parsed
        }
        let page = try await search.search(text, in: conversation, offset: offset, limit: limit, by: caller.id)
        let now = Date()
        let results: [JSONValue] = page.hits.map { hit in
            .object([
                ("message", V2Representation.message(hit.message) { api.attachmentLinks.representation(of: $0, viewer: caller.id, now: now) }),
                ("snippet", .array(hit.snippet.map { .object([("text", .string($0.text)), ("match", .bool($0.isMatch))]) })),
            ])
        }
        return .json(.object([("results", .array(results)), ("next_cursor", .string(page.nextOffset.map(String.init)))]))
    }
}
