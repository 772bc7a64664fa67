import Foundation
import HummingbirdTesting
import SwiftChatServer
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
        return try leadingID(reply, sourceLocation: sourceLocation)
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
        return try leadingID(reply, sourceLocation: sourceLocation)
    }

    /// The admin deletes a user (`DELETE /api/core/user/{id}/`).
    func adminDeletes(_ user: Session, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let admin = try await session(Demo.admin)
        let reply = try await call(.delete, "/api/core/user/\(user.id)/", token: admin.access)
        try #require(reply.status == .noContent, "admin delete user: \(reply.text)", sourceLocation: sourceLocation)
    }
}

/// The ids in a JSON array reply, in order; a reply that is not an array of objects with
/// integer ids is a failure, not an empty list.
func ids(_ reply: Reply, sourceLocation: SourceLocation = #_sourceLocation) throws -> [Int64] {
    guard case .array(let rows) = try #require(reply.json, "not JSON: \(reply.text)", sourceLocation: sourceLocation) else {
        Issue.record("not a JSON array: \(reply.text)", sourceLocation: sourceLocation)
        return []
    }
    // JSONDecoder reads `1.0` and `1e0` as integers, so the text is checked for them first.
    #expect(reply.text.firstMatch(of: #/"id":-?\d+[.eE]/#) == nil, "an id that is not a JSON integer: \(reply.text)",
            sourceLocation: sourceLocation)
    return try rows.map { row in
        let id: Int64? = if case .int(let value) = row["id"] { value } else { nil }
        return try #require(id, "no integer id in \(row.serialized)", sourceLocation: sourceLocation)
    }
}

/// The id of an object reply that starts `{"id":<digits>,` on the wire, as interests and chat
/// messages do (read from the text: JSONDecoder would take `1.0` for `1`).
func leadingID(_ reply: Reply, sourceLocation: SourceLocation = #_sourceLocation) throws -> Int64 {
    let match = try #require(reply.text.prefixMatch(of: #/\{"id":(?<id>[1-9]\d*),/#), "no leading integer id in \(reply.text)",
                             sourceLocation: sourceLocation)
    return try #require(Int64(match.output.id), sourceLocation: sourceLocation)
}

/// DRF's datetime format (see original-api.md): UTC with `Z`, and six fraction digits unless
/// the fraction is zero, when Python's isoformat() leaves it out.
func isDRFTimestamp(_ text: String) -> Bool {
    text.wholeMatch(of: #/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.(?!000000)\d{6})?Z/#) != nil
}

/// The reply's body as sent, with each `created_at` value checked against DRF's format and
/// replaced by `<created_at>`. The rest can then be compared as exact text, where key order
/// counts and `1.0` is not `1`, nor `0` `false`.
func wireText(_ reply: Reply, sourceLocation: SourceLocation = #_sourceLocation) -> String {
    reply.text.replacing(#/"created_at":"(?<stamp>[^"]*)"/#) { match in
        let stamp = String(match.output.stamp)
        #expect(isDRFTimestamp(stamp), "created_at \(stamp)", sourceLocation: sourceLocation)
        return #""created_at":"<created_at>""#
    }
}

/// The other party inside an interest, as the server writes it (the demo users have no email).
func partyWire(_ user: Session, _ first: String, _ last: String, _ phone: String) -> String {
    #"{"id":\#(user.id),"email":null,"first_name":"\#(first)","last_name":"\#(last)","phone_number":"\#(phone)"}"#
}

extension Cast {
    var aliceParty: String { partyWire(alice, "Alice", "Smith", Demo.alice) }
    var rahulParty: String { partyWire(rahul, "Rahul", "Sharma", Demo.rahul) }
    var mariaParty: String { partyWire(maria, "Maria", "Garcia", Demo.maria) }
}

/// `{id, sent_to, sent_by, is_accepted, created_at}` in that order, timestamp masked as by `wireText`.
func interestWire(_ id: Int64, sentTo: Session, sentBy: Session, accepted: Bool) -> String {
    #"{"id":\#(id),"sent_to":\#(sentTo.id),"sent_by":\#(sentBy.id),"is_accepted":\#(accepted),"created_at":"<created_at>"}"#
}

/// The list/retrieve shape `{id, user: {other party}, created_at}`.
func interestViewWire(_ id: Int64, otherParty: String) -> String {
    #"{"id":\#(id),"user":\#(otherParty),"created_at":"<created_at>"}"#
}

/// `{id, user, interest, message, created_at}`; `text` must need no JSON escaping.
func messageWire(_ id: Int64, by author: Session, in interest: Int64, _ text: String) -> String {
    #"{"id":\#(id),"user":\#(author.id),"interest":\#(interest),"message":"\#(text)","created_at":"<created_at>"}"#
}

/// The JSON body for `{"<field>": ["<message>"]}`, as the server writes it.
func fieldError(_ field: String, _ message: String) -> String {
    let escaped = message.replacingOccurrences(of: "\"", with: "\\\"")
    return #"{"\#(field)":["\#(escaped)"]}"#
}

let permissionDenied = #"{"detail":"You do not have permission to perform this action."}"#
