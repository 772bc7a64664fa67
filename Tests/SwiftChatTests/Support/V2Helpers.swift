import Foundation
import HummingbirdTesting
import Testing
@testable import SwiftChatCore

/// The reply's body as sent, with every timestamp (`created_at`, `joined_at`, `at`) checked
/// against DRF's format and masked, so that the rest compares as exact text.
func v2WireText(_ reply: Reply, sourceLocation: SourceLocation = #_sourceLocation) -> String {
    v2WireText(reply.text, sourceLocation: sourceLocation)
}

func v2WireText(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> String {
    text.replacing(#/"(?<key>created_at|joined_at|at)":"(?<stamp>[^"]*)"/#) { match in
        #expect(isDRFTimestamp(String(match.output.stamp)), "\(match.output.key) \(match.output.stamp)", sourceLocation: sourceLocation)
        return #""\#(match.output.key)":"<\#(match.output.key)>""#
    }
}

/// `{id, phone_number, email, first_name, last_name}` of a demo user.
func baseUserWire(_ user: Session, _ first: String, _ last: String, _ phone: String) -> String {
    #"{"id":\#(user.id),"phone_number":"\#(phone)","email":null,"first_name":"\#(first)","last_name":"\#(last)"}"#
}

/// A member as conversation routes show them (`withPresence`: offline and never seen, as in
/// router tests without sockets); the member routes show no presence.
func memberWire(_ baseUser: String, _ role: String, lastRead: Int64? = nil, withPresence: Bool = true) -> String {
    let presence = withPresence ? #","online":false,"last_seen":null"# : ""
    return #"{"user":\#(baseUser),"role":"\#(role)","joined_at":"<joined_at>","last_read_message_id":\#(lastRead.map(String.init) ?? "null")\#(presence)}"#
}

/// `text` and `clientID` must need no JSON escaping.
func v2MessageWire(_ id: Int64, in conversation: Int64, by sender: Session, _ text: String, clientID: String? = nil) -> String {
    let client = clientID.map { #""\#($0)""# } ?? "null"
    return #"{"id":\#(id),"conversation":\#(conversation),"sender":\#(sender.id),"text":"\#(text)","client_id":\#(client),"created_at":"<created_at>","attachments":[],"edited_at":null,"deleted":false}"#
}

extension Cast {
    var aliceBase: String { baseUserWire(alice, "Alice", "Smith", Demo.alice) }
    var rahulBase: String { baseUserWire(rahul, "Rahul", "Sharma", Demo.rahul) }
    var mariaBase: String { baseUserWire(maria, "Maria", "Garcia", Demo.maria) }
}

extension TestClientProtocol {
    /// Creates a group as `owner` with `members`; returns its id (expects 201).
    func createGroup(_ title: String, by owner: Session, members: [Session], sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int64 {
        let list = members.map { String($0.id) }.joined(separator: ",")
        let reply = try await call(.post, "/api/v2/conversations/", json: #"{"title": "\#(title)", "members": [\#(list)]}"#, token: owner.access)
        try #require(reply.status == .created, "create group: \(reply.text)", sourceLocation: sourceLocation)
        return try leadingID(reply, sourceLocation: sourceLocation)
    }

    /// Posts to a conversation; returns the message id (expects 201).
    @discardableResult
    func postV2(_ text: String, in conversation: Int64, by user: Session, clientID: String? = nil,
                sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int64 {
        var body: [String: String] = ["text": text]
        if let clientID { body["client_id"] = clientID }
        let json = String(decoding: try JSONSerialization.data(withJSONObject: body), as: UTF8.self)
        let reply = try await call(.post, "/api/v2/conversations/\(conversation)/messages/", json: json, token: user.access)
        try #require(reply.status == .created, "post v2 message: \(reply.text)", sourceLocation: sourceLocation)
        return try leadingID(reply, sourceLocation: sourceLocation)
    }

    /// The direct conversation of an interest, as `user` sees it in their list.
    func directConversation(of interest: Int64, for user: Session, sourceLocation: SourceLocation = #_sourceLocation) async throws -> Int64 {
        let reply = try await call(.get, "/api/v2/conversations/?limit=200", token: user.access)
        guard case .array(let rows)? = reply.json?["results"] else {
            Issue.record("no results: \(reply.text)", sourceLocation: sourceLocation)
            return 0
        }
        let match = rows.first { $0["interest"] == .int(interest) }
        guard case .int(let id)? = match?["id"] else {
            Issue.record("no direct conversation for interest \(interest): \(reply.text)", sourceLocation: sourceLocation)
            return 0
        }
        return id
    }

    /// Every event of `user` after `since`, as `(seq, type)` pairs.
    func eventTypes(of user: Session, since: Int64 = 0, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [(Int64, String)] {
        let reply = try await call(.get, "/api/v2/events/?since=\(since)&limit=1000", token: user.access)
        try #require(reply.status == .ok, "events: \(reply.text)", sourceLocation: sourceLocation)
        guard case .array(let events)? = reply.json?["events"] else { return [] }
        return events.compactMap { event in
            guard case .int(let seq)? = event["seq"], case .string(let type)? = event["type"] else { return nil }
            return (seq, type)
        }
    }
}

extension JSONValue {
    /// The elements of an array value.
    var elements: [JSONValue]? {
        if case .array(let values) = self { return values }
        return nil
    }
}
