import Hummingbird
import SwiftChatCore

/// Interests (friend requests) and their chat messages under `/api/my_app/`.
struct InterestController {
    let api: APIContext

    func register(on routes: APIRoutes<AppRequestContext>) {
        routes.on(.get, "/api/my_app/", doc: Docs.myAppRoot, use: root)
        routes.on(.get, "/api/my_app/interests/", doc: Docs.listInterests, use: list)
        routes.on(.post, "/api/my_app/interests/", doc: Docs.createInterest, use: create)
        routes.on(.get, "/api/my_app/interests/{interest_id}/", doc: Docs.retrieveInterest, use: retrieve)
        routes.on(.delete, "/api/my_app/interests/{interest_id}/", doc: Docs.deleteInterest, use: delete)
        routes.on(.post, "/api/my_app/interests/{interest_id}/accept_interest/", doc: Docs.acceptInterest, use: accept)
        routes.on(.get, "/api/my_app/interests/{interest_id}/chat_messages/", doc: Docs.listMessages, use: listMessages)
        routes.on(.post, "/api/my_app/interests/{interest_id}/chat_messages/", doc: Docs.createMessage, use: createMessage)
        routes.on(.get, "/api/my_app/interests/{interest_id}/chat_messages/{message_id}/", doc: Docs.retrieveMessage, use: retrieveMessage)
    }

    @Sendable func root(_ request: Request, context: AppRequestContext) async throws -> Response {
        .json(.object([("interests", .string(api.absoluteURL(request, path: "/api/my_app/interests/")))]))
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let query = request.uri.queryParameters
        let filter = InterestFilter(
            isAccepted: query.get("is_accepted").flatMap(Self.boolean),
            searchTerms: try query.get("search").map(api.searchTerms) ?? [],
            ordering: query.get("ordering").flatMap(Self.ordering))
        return .json(.array(try await api.interests.list(for: caller, filter: filter).map(Representation.interestView)))
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        try api.throttles.interestChange(by: caller.id)
        var form = try await api.form(request)
        let recipient = UserID(rawValue: try form.validated(form.primaryKey("sent_to")))
        let interest = try await api.interests.send(from: caller, to: recipient)
        return .json(Representation.interest(interest), status: .created)
    }

    @Sendable func retrieve(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        return .json(Representation.interestView(try await api.interests.view(try interestID(context), for: caller)))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        try api.throttles.interestChange(by: caller.id)
        try await api.interests.delete(try interestID(context), by: caller)
        return Response(status: .noContent)
    }

    /// Answers the JSON string `"Ok"`, as the original.
    @Sendable func accept(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        try api.throttles.interestChange(by: caller.id)
        try await api.interests.accept(try interestID(context), by: caller)
        return .json(.string("Ok"))
    }

    @Sendable func listMessages(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let ordering = request.uri.queryParameters.get("ordering").flatMap(Self.ordering) ?? .id
        let messages = try await api.messages.messages(in: try interestID(context), for: caller, ordering: ordering)
        return .json(.array(messages.map(Representation.message)))
    }

    @Sendable func createMessage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let interest = try interestID(context)
        // DRF checks permissions before the body: a non-party gets 403 whatever it sent.
        _ = try await api.interests.interest(interest, for: caller)
        try api.throttles.chatMessage(by: caller.id)
        var form = try await api.form(request)
        let text = try form.validated(form.string("message", allowBlank: true) ?? nil)
        let message = try await api.messages.post(text, in: interest, by: caller)
        return .json(Representation.message(message), status: .created)
    }

    @Sendable func retrieveMessage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let interest = try interestID(context)
        let messageID = ChatMessageID(rawValue: try pathID(context, "message_id", notAnInt: ErrorText.messageIDNotInt))
        return .json(Representation.message(try await api.messages.message(messageID, in: interest, for: caller)))
    }

    private func interestID(_ context: AppRequestContext) throws -> InterestID {
        InterestID(rawValue: try pathID(context, "interest_id", notAnInt: ErrorText.interestIDNotInt))
    }

    /// django-filter's boolean values; anything else leaves the list unfiltered.
    static func boolean(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "true", "1", "yes": true
        case "false", "0", "no": false
        default: nil
        }
    }

    /// DRF's OrderingFilter: the first valid field of a comma-separated list; others are ignored.
    static func ordering(_ text: String) -> ListOrdering? {
        text.split(separator: ",").lazy.compactMap { ListOrdering(rawValue: $0.trimmingCharacters(in: .whitespaces)) }.first
    }
}
