import Foundation
import HummingbirdTesting
import Testing

/// A logged-in user: tokens and id.
struct Session: Sendable {
    let access: String
    let refresh: String
    let id: Int64
}

/// The demo users the interest and socket tests play with.
struct Cast: Sendable {
    let alice: Session
    let rahul: Session
    let maria: Session
}

extension TestClientProtocol {
    func session(_ phone: String) async throws -> Session {
        let login = try await logIn(phone)
        try #require(login.userID > 0, "log in as \(phone) failed")
        return Session(access: login.access, refresh: login.refresh, id: login.userID)
    }

    /// Alice, Rahul and Maria, logged in.
    func cast() async throws -> Cast {
        Cast(alice: try await session(Demo.alice), rahul: try await session(Demo.rahul), maria: try await session(Demo.maria))
    }

    /// `from` sends an interest to `to`; returns its id (expects 201).
    @discardableResult
    func sendInterest(from: Session, to: Session, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int64 {
        let reply = try await call(.post, "/api/my_app/interests/", json: #"{"sent_to": \#(to.id)}"#, token: from.access)
        try #require(reply.status == .created, "create interest: \(reply.text)", sourceLocation: sourceLocation)
        return try #require((reply.dictionary["id"] as? Int).map(Int64.init), sourceLocation: sourceLocation)
    }

    func acceptInterest(_ id: Int64, by user: Session, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let reply = try await call(.post, "/api/my_app/interests/\(id)/accept_interest/", token: user.access)
        try #require(reply.status == .ok, "accept interest: \(reply.text)", sourceLocation: sourceLocation)
    }

    func deleteInterest(_ id: Int64, by user: Session, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let reply = try await call(.delete, "/api/my_app/interests/\(id)/", token: user.access)
        try #require(reply.status == .noContent, "delete interest: \(reply.text)", sourceLocation: sourceLocation)
    }

    /// Posts a chat message; returns its id (expects 201).
    @discardableResult
    func postMessage(_ text: String, in interest: Int64, by user: Session, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int64 {
        let body = String(decoding: try JSONSerialization.data(withJSONObject: ["message": text]), as: UTF8.self)
        let reply = try await call(.post, "/api/my_app/interests/\(interest)/chat_messages/", json: body, token: user.access)
        try #require(reply.status == .created, "post message: \(reply.text)", sourceLocation: sourceLocation)
        return try #require((reply.dictionary["id"] as? Int).map(Int64.init), sourceLocation: sourceLocation)
    }

    /// The admin deletes a user (`DELETE /api/core/user/{id}/`).
    func adminDeletes(_ user: Session, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let admin = try await session(Demo.admin)
        let reply = try await call(.delete, "/api/core/user/\(user.id)/", token: admin.access)
        try #require(reply.status == .noContent, "admin delete user: \(reply.text)", sourceLocation: sourceLocation)
    }
}

/// The ids in a JSON array reply, in order.
func ids(_ reply: Reply) -> [Int64] {
    reply.array.compactMap { ($0["id"] as? Int).map(Int64.init) }
}

/// The JSON body for `{"<field>": ["<message>"]}`, as the server writes it.
func fieldError(_ field: String, _ message: String) -> String {
    let escaped = message.replacingOccurrences(of: "\"", with: "\\\"")
    return #"{"\#(field)":["\#(escaped)"]}"#
}

let permissionDenied = #"{"detail":"You do not have permission to perform this action."}"#
