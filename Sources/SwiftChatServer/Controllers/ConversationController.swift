import Foundation
import Hummingbird
import SwiftChatCore

/// v2 conversations, members and messages under `/api/v2/conversations/` (`v2-api.md` §1).
struct ConversationController {
    let api: APIContext
    let conversations: ConversationService
    let presence: PresenceService

    func register(on routes: APIRoutes<AppRequestContext>) {
        routes.on(.get, "/api/v2/conversations/", doc: Docs.listConversations, use: list)
        routes.on(.post, "/api/v2/conversations/", doc: Docs.createGroup, use: create)
        routes.on(.get, "/api/v2/conversations/{conversation_id}/", doc: Docs.retrieveConversation, use: retrieve)
        routes.on(.patch, "/api/v2/conversations/{conversation_id}/", doc: Docs.renameGroup, use: rename)
        routes.on(.delete, "/api/v2/conversations/{conversation_id}/", doc: Docs.deleteGroup, use: delete)
        routes.on(.post, "/api/v2/conversations/{conversation_id}/members/", doc: Docs.addMember, use: addMember)
        routes.on(.patch, "/api/v2/conversations/{conversation_id}/members/{user_id}/", doc: Docs.changeRole, use: changeRole)
        routes.on(.delete, "/api/v2/conversations/{conversation_id}/members/{user_id}/", doc: Docs.removeMember, use: removeMember)
        routes.on(.get, "/api/v2/conversations/{conversation_id}/messages/", doc: Docs.listConversationMessages, use: messages)
        routes.on(.post, "/api/v2/conversations/{conversation_id}/messages/", doc: Docs.postConversationMessage, use: post)
        routes.on(.patch, "/api/v2/conversations/{conversation_id}/messages/{message_id}/", doc: Docs.editMessage, use: editMessage)
        routes.on(.delete, "/api/v2/conversations/{conversation_id}/messages/{message_id}/", doc: Docs.deleteMessage, use: deleteMessage)
        routes.on(.post, "/api/v2/conversations/{conversation_id}/read/", doc: Docs.markRead, use: markRead)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let query = request.uri.queryParameters
        let limit = try V2Query.limit(query.get("limit"), default: 50, max: 200)
        var cursor: ConversationCursor?
        if let text = query.get("cursor") {
            guard let parsed = ConversationCursor(text: text) else { throw APIError.field("cursor", "Not a cursor this server handed out.") }
            cursor = parsed
        }
        let page = try await conversations.list(for: caller, after: cursor, limit: limit)
        let unread = try await conversations.unreadCounts(for: caller.id, in: page.conversations)
        let everyone = Array(Set(page.conversations.flatMap(\.memberIDs)))
        let presence = try await presence.presence(of: everyone, for: caller.id)
        return .json(.object([
            ("results", .array(page.conversations.map { shown($0, to: caller, unread: unread[$0.id] ?? 0, presence: presence) })),
            ("next_cursor", .string(page.next?.text)),
        ]))
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let (title, members) = try await body(GroupCreateBody.self, of: request).validated(maxMembers: conversations.limits.maxGroupMembers)
        let group = try await conversations.createGroup(title: title, members: members, by: caller)
        return .json(try await shown(group, to: caller), status: .created)
    }

    @Sendable func retrieve(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        return .json(try await shown(try await conversations.conversation(try conversationID(context), for: caller), to: caller))
    }

    @Sendable func rename(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let id = try conversationID(context)
        let title = try await body(GroupRenameBody.self, of: request).validated()
        return .json(try await shown(try await conversations.rename(id, title: title, by: caller), to: caller))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        try await conversations.delete(try conversationID(context), by: caller)
        return Response(status: .noContent)
    }

    @Sendable func addMember(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let id = try conversationID(context)
        let (user, role) = try await body(MemberAddBody.self, of: request).validated()
        let member = try await conversations.addMember(user, role: role, to: id, by: caller)
        return .json(V2Representation.member(member), status: .created)
    }

    @Sendable func changeRole(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let id = try conversationID(context)
        let user = try userID(context)
        let role = try await body(RoleChangeBody.self, of: request).validated()
        return .json(V2Representation.member(try await conversations.changeRole(of: user, to: role, in: id, by: caller)))
    }

    @Sendable func removeMember(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        try await conversations.removeMember(try userID(context), from: try conversationID(context), by: caller)
        return Response(status: .noContent)
    }

    @Sendable func messages(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let id = try conversationID(context)
        let query = request.uri.queryParameters
        let limit = try V2Query.limit(query.get("limit"), default: 50, max: 200)
        let before = try V2Query.messageID(query.get("before"), name: "before")
        let after = try V2Query.messageID(query.get("after"), name: "after")
        let window: MessageWindow
        switch (before, after) {
        case (nil, nil): window = .latest
        case (let before?, nil): window = .before(before)
        case (nil, let after?): window = .after(after)
        default: throw APIError.badRequest("Give before or after, not both.")
        }
        let page = try await conversations.messages(in: id, window: window, limit: limit, for: caller)
        return .json(.object([("results", .array(page.messages.map { shown($0, to: caller) })), ("has_more", .bool(page.hasMore))]))
    }

    @Sendable func post(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let id = try conversationID(context)
        try api.throttles.chatMessage(by: caller.id)
        let post = try await body(MessagePostBody.self, of: request).validated()
        let outcome = try await conversations.post(post.text, clientID: post.clientID, attachments: post.attachments, in: id, by: caller)
        switch outcome {
        case .created(let message): return .json(shown(message, to: caller), status: .created)
        case .existing(let message): return .json(shown(message, to: caller))
        }
    }

    @Sendable func editMessage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let (id, message) = (try conversationID(context), try messageID(context))
        let text = try await body(MessageEditBody.self, of: request).validated()
        return .json(shown(try await conversations.edit(message, in: id, text: text, by: caller), to: caller))
    }

    @Sendable func deleteMessage(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        try await conversations.delete(try messageID(context), in: try conversationID(context), by: caller)
        return Response(status: .noContent)
    }

    @Sendable func markRead(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let id = try conversationID(context)
        let marker = try await conversations.markRead(try await body(ReadMarkerBody.self, of: request).messageID, in: id, by: caller.id)
        let unread = try await conversations.unreadCounts(for: caller.id, in: id)
        return .json(.object([
            ("conversation", .id(id)), ("last_read_message_id", .id(marker)), ("unread_count", .int(Int64(unread))),
        ]))
    }

    /// A message as `viewer` sees it: with the download links made for them.
    private func shown(_ message: ChatMessage, to viewer: User) -> JSONValue {
        let now = Date()
        return V2Representation.message(message) { api.attachmentLinks.representation(of: $0, viewer: viewer.id, now: now) }
    }

    /// A conversation as `viewer` sees it: with their unread count, the members' presence and download links.
    private func shown(_ conversation: Conversation, to viewer: User, unread: Int, presence: [UserID: MemberPresence]) -> JSONValue {
        let now = Date()
        return V2Representation.conversation(conversation, reader: (viewer.id, unread), presence: presence) {
            api.attachmentLinks.representation(of: $0, viewer: viewer.id, now: now)
        }
    }

    private func shown(_ conversation: Conversation, to viewer: User) async throws -> JSONValue {
        shown(conversation, to: viewer, unread: try await conversations.unreadCounts(for: viewer.id, in: conversation.id),
            presence: try await presence.presence(of: conversation.memberIDs, for: viewer.id))
    }

    private func body<Body: Decodable>(_ type: Body.Type, of request: Request) async throws -> Body {
        try await V2Body.decode(type, from: request, maxSize: api.maxBodySize)
    }

    private func conversationID(_ context: AppRequestContext) throws -> ConversationID {
        ConversationID(rawValue: try pathID(context, "conversation_id", notAnInt: "conversation_id must be an integer"))
    }

    private func messageID(_ context: AppRequestContext) throws -> ChatMessageID {
        ChatMessageID(rawValue: try pathID(context, "message_id", notAnInt: "message_id must be an integer"))
    }

    private func userID(_ context: AppRequestContext) throws -> UserID {
        UserID(rawValue: try pathID(context, "user_id", notAnInt: "user_id must be an integer"))
    }
}
