import Foundation
import HummingbirdTesting
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// The v2 conversation routes (`v2-api.md` §1), bodies compared as sent.
@Suite("v2 conversations")
struct ConversationRouteTests {
    static let notFound = #"{"detail":"Not found."}"#

    @Test("an interest's direct conversation: both parties see it, nobody else; v1 and v2 messages are the same rows")
    func directConversationIsSharedWithV1() async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            let interest = try await client.sendInterest(from: cast.alice, to: cast.rahul)
            let direct = try await client.directConversation(of: interest, for: cast.rahul)
            let shown = try await client.call(.get, "/api/v2/conversations/\(direct)/", token: cast.alice.access)
            #expect(v2WireText(shown) == #"{"id":\#(direct),"kind":"direct","title":null,"interest":\#(interest),"created_at":"<created_at>","created_by":\#(cast.alice.id),"members":[\#(memberWire(cast.aliceBase, "member")),\#(memberWire(cast.rahulBase, "member"))],"last_message":null,"latest_message_id":null,"unread_count":0,"last_read_message_id":null}"#)
            let stranger = try await client.call(.get, "/api/v2/conversations/\(direct)/", token: cast.maria.access)
            #expect(stranger.status == .notFound && stranger.text == Self.notFound)
            #expect(try await client.call(.get, "/api/v2/conversations/\(direct)/messages/", token: cast.maria.access).text == Self.notFound)

            let v1 = try await client.postMessage("from v1", in: interest, by: cast.alice)
            let v2 = try await client.postV2("from v2", in: direct, by: cast.rahul)
            let history = try await client.call(.get, "/api/v2/conversations/\(direct)/messages/", token: cast.rahul.access)
            #expect(v2WireText(history) == #"{"results":[\#(v2MessageWire(v1, in: direct, by: cast.alice, "from v1")),\#(v2MessageWire(v2, in: direct, by: cast.rahul, "from v2"))],"has_more":false}"#)
            let v1List = try await client.call(.get, "/api/my_app/interests/\(interest)/chat_messages/", token: cast.alice.access)
            #expect(wireText(v1List) == "[\(messageWire(v1, by: cast.alice, in: interest, "from v1")),\(messageWire(v2, by: cast.rahul, in: interest, "from v2"))]")
            // Direct conversations follow their interest: no renaming, no members, no delete.
            let rename = try await client.call(.patch, "/api/v2/conversations/\(direct)/", json: #"{"title": "x"}"#, token: cast.alice.access)
            #expect(rename.status == .badRequest)
            try await client.deleteInterest(interest, by: cast.rahul)
            #expect(try await client.call(.get, "/api/v2/conversations/\(direct)/", token: cast.alice.access).status == .notFound)
        }
    }

    /// v2 bodies are JSON objects decoded into plain types: each refusal names its field, nothing
    /// is changed by a refused body, and a nesting bomb is a 400, not a crash.
    @Test("v2 bodies: JSON only; a missing, null or mistyped field is a 400 naming it; nesting is bounded")
    func bodiesAreCheckedAndRefusedByField() async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            let group = try await client.createGroup("Trip", by: cast.alice, members: [cast.rahul])
            let messages = "/api/v2/conversations/\(group)/messages/"
            let refusals: [(String, String, String)] = [
                (messages, #"{}"#, fieldError("text", "This field is required.")),
                (messages, #"{"text": null}"#, fieldError("text", "This field may not be null.")),
                (messages, #"{"text": 5}"#, fieldError("text", "Not a valid string.")),
                (messages, #"{"text": "hi", "client_id": 7}"#, fieldError("client_id", "Not a valid string.")),
                (messages, #"{"text": "a\u0000b"}"#, fieldError("text", "Null characters are not allowed.")),
                (messages, #"["text"]"#, #"{"non_field_errors":["Expected a JSON object."]}"#),
                ("/api/v2/conversations/", #"{"title": "x", "members": "all"}"#, fieldError("members", "Expected a list.")),
                ("/api/v2/conversations/", #"{"title": "x", "members": [1, "2"]}"#, fieldError("members", "A valid integer is required.")),
                ("/api/v2/conversations/\(group)/members/", #"{"user": \#(cast.maria.id), "role": "boss"}"#,
                 fieldError("role", "\"boss\" is not a valid choice.")),
            ]
            for (path, body, expected) in refusals {
                let reply = try await client.call(.post, path, json: body, token: cast.alice.access)
                #expect(reply.status == .badRequest && reply.text == expected, "\(body): \(reply.text)")
            }
            let broken = try await client.call(.post, messages, json: #"{"text": "#, token: cast.alice.access)
            #expect(broken.status == .badRequest && broken.text.contains("JSON parse error"), "\(broken.text)")
            let bomb = try await client.call(.post, messages, json: String(repeating: "[", count: 70_000), token: cast.alice.access)
            #expect(bomb.status == .badRequest, "\(bomb.status)")
            let form = try await client.call(
                .post, messages, json: "text=hi", token: cast.alice.access, headers: [.contentType: "application/x-www-form-urlencoded"])
            #expect(form.status == .unsupportedMediaType, "\(form.text)")
            // Nothing reached the group.
            let history = try await client.call(.get, messages, token: cast.alice.access)
            #expect(history.text.hasPrefix(#"{"results":[]"#), "\(history.text)")
            // An empty body names what is missing; a valid one after all that still works.
            let empty = try await client.call(.patch, "/api/v2/conversations/\(group)/", token: cast.alice.access)
            #expect(empty.status == .badRequest && empty.text == fieldError("title", "This field is required."))
            _ = try await client.postV2("still fine", in: group, by: cast.rahul)
        }
    }

    @Test("a group: the creator owns it; members, roles and rights as v2-api.md says")
    func groupRolesAndRights() async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            let created = try await client.call(
                .post, "/api/v2/conversations/", json: #"{"title": "  Trip  ", "members": [\#(cast.rahul.id), \#(cast.rahul.id)]}"#, token: cast.alice.access)
            #expect(created.status == .created)
            let group = try leadingID(created)
            #expect(v2WireText(created) == #"{"id":\#(group),"kind":"group","title":"Trip","interest":null,"created_at":"<created_at>","created_by":\#(cast.alice.id),"members":[\#(memberWire(cast.aliceBase, "owner")),\#(memberWire(cast.rahulBase, "member"))],"last_message":null,"latest_message_id":null,"unread_count":0,"last_read_message_id":null}"#)

            // A plain member may not add, rename or delete.
            let byMember = try await client.call(.post, "/api/v2/conversations/\(group)/members/", json: #"{"user": \#(cast.maria.id)}"#, token: cast.rahul.access)
            #expect(byMember.status == .forbidden && byMember.text == permissionDenied)
            #expect(try await client.call(.patch, "/api/v2/conversations/\(group)/", json: #"{"title": "Mine"}"#, token: cast.rahul.access).status == .forbidden)
            #expect(try await client.call(.delete, "/api/v2/conversations/\(group)/", token: cast.rahul.access).status == .forbidden)
            // Outsiders learn nothing.
            #expect(try await client.call(.patch, "/api/v2/conversations/\(group)/", json: #"{"title": "Mine"}"#, token: cast.maria.access).text == Self.notFound)

            let added = try await client.call(.post, "/api/v2/conversations/\(group)/members/", json: #"{"user": \#(cast.maria.id)}"#, token: cast.alice.access)
            #expect(added.status == .created && v2WireText(added) == memberWire(cast.mariaBase, "member", withPresence: false))
            let again = try await client.call(.post, "/api/v2/conversations/\(group)/members/", json: #"{"user": \#(cast.maria.id)}"#, token: cast.alice.access)
            #expect(again.status == .badRequest && again.text == fieldError("user", "Already a member."))
            let unknown = try await client.call(.post, "/api/v2/conversations/\(group)/members/", json: #"{"user": 999999}"#, token: cast.alice.access)
            #expect(unknown.text == fieldError("user", ErrorText.invalidPK("999999")))
            let badRole = try await client.call(.patch, "/api/v2/conversations/\(group)/members/\(cast.rahul.id)/", json: #"{"role": "king"}"#, token: cast.alice.access)
            #expect(badRole.text == fieldError("role", ErrorText.invalidChoice("king")))

            // The owner makes Rahul an admin; an admin renames and removes members, not other admins.
            let promoted = try await client.call(.patch, "/api/v2/conversations/\(group)/members/\(cast.rahul.id)/", json: #"{"role": "admin"}"#, token: cast.alice.access)
            #expect(v2WireText(promoted) == memberWire(cast.rahulBase, "admin", withPresence: false))
            #expect(try await client.call(.patch, "/api/v2/conversations/\(group)/members/\(cast.maria.id)/", json: #"{"role": "admin"}"#, token: cast.rahul.access).status == .forbidden, "only the owner changes roles")
            let renamed = try await client.call(.patch, "/api/v2/conversations/\(group)/", json: #"{"title": "Trip 2"}"#, token: cast.rahul.access)
            #expect(renamed.status == .ok && renamed.json?["title"] == .string("Trip 2"))
            #expect(try await client.call(.delete, "/api/v2/conversations/\(group)/members/\(cast.alice.id)/", token: cast.rahul.access).status == .forbidden)
            #expect(try await client.call(.delete, "/api/v2/conversations/\(group)/members/\(cast.maria.id)/", token: cast.rahul.access).status == .noContent)
            #expect(try await client.call(.get, "/api/v2/conversations/\(group)/", token: cast.maria.access).status == .notFound, "removed means gone")

            // Handing ownership on makes the old owner an admin; an admin cannot delete the group.
            let handed = try await client.call(.patch, "/api/v2/conversations/\(group)/members/\(cast.rahul.id)/", json: #"{"role": "owner"}"#, token: cast.alice.access)
            #expect(v2WireText(handed) == memberWire(cast.rahulBase, "owner", withPresence: false))
            let roles = try await client.call(.get, "/api/v2/conversations/\(group)/", token: cast.alice.access)
            #expect(v2WireText(roles).contains(#""members":[\#(memberWire(cast.aliceBase, "admin")),\#(memberWire(cast.rahulBase, "owner"))]"#))
            #expect(try await client.call(.delete, "/api/v2/conversations/\(group)/", token: cast.alice.access).status == .forbidden)
            #expect(try await client.call(.delete, "/api/v2/conversations/\(group)/", token: cast.rahul.access).status == .noContent)
            #expect(try await client.call(.get, "/api/v2/conversations/\(group)/", token: cast.rahul.access).status == .notFound)
        }
    }

    @Test("leaving: the owner's group passes to the longest-standing admin, else member; the last one out deletes it")
    func leaving() async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            let group = try await client.createGroup("g", by: cast.alice, members: [cast.rahul, cast.maria])
            #expect(try await client.call(.delete, "/api/v2/conversations/\(group)/members/\(cast.alice.id)/", token: cast.alice.access).status == .noContent)
            let after = try await client.call(.get, "/api/v2/conversations/\(group)/", token: cast.rahul.access)
            #expect(v2WireText(after).contains(#""members":[\#(memberWire(cast.rahulBase, "owner")),\#(memberWire(cast.mariaBase, "member"))]"#))
            for user in [cast.rahul, cast.maria] {
                #expect(try await client.call(.delete, "/api/v2/conversations/\(group)/members/\(user.id)/", token: user.access).status == .noContent)
            }
            #expect(try await client.call(.get, "/api/v2/conversations/\(group)/", token: cast.maria.access).status == .notFound)
            #expect(try await client.eventTypes(of: cast.maria).last?.1 == "conversation.deleted")
        }
    }

    @Test("posts: text kept exactly, NUL and blank refused, a repeated client_id answers the first message with 200")
    func posting() async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            let group = try await client.createGroup("g", by: cast.alice, members: [cast.rahul])
            let path = "/api/v2/conversations/\(group)/messages/"
            let first = try await client.call(.post, path, json: #"{"text": "  hi there  ", "client_id": "k-1"}"#, token: cast.alice.access)
            #expect(first.status == .created)
            let id = try leadingID(first)
            #expect(v2WireText(first) == v2MessageWire(id, in: group, by: cast.alice, "  hi there  ", clientID: "k-1"))
            let repeated = try await client.call(.post, path, json: #"{"text": "changed", "client_id": "k-1"}"#, token: cast.alice.access)
            #expect(repeated.status == .ok && repeated.text == first.text)
            let nul = try await client.call(.post, path, json: #"{"text": "a\u0000b"}"#, token: cast.alice.access)
            #expect(nul.status == .badRequest && nul.text == fieldError("text", ErrorText.nullCharacters))
            #expect(try await client.call(.post, path, json: #"{"text": "   "}"#, token: cast.alice.access).text == fieldError("text", ErrorText.blank))
            #expect(try await client.call(.post, path, json: #"{"text": 5}"#, token: cast.alice.access).text == fieldError("text", ErrorText.notAString))
            #expect(try await client.call(.post, path, json: #"{}"#, token: cast.alice.access).text == fieldError("text", ErrorText.required))
            let history = try await client.call(.get, path, token: cast.rahul.access)
            #expect(v2WireText(history) == #"{"results":[\#(v2MessageWire(id, in: group, by: cast.alice, "  hi there  ", clientID: "k-1"))],"has_more":false}"#)
            #expect(try await client.call(.post, path, json: #"{"text": "x"}"#, token: cast.maria.access).text == Self.notFound)
        }
    }

    @Test("history pages by id; bad parameters are 400s naming them", arguments: [
        ("limit=0", "limit"), ("limit=201", "limit"), ("limit=abc", "limit"), ("before=x", "before"), ("after=-1", "after"),
    ])
    func historyPaging(query: String, field: String) async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            let group = try await client.createGroup("g", by: cast.alice, members: [])
            var ids: [Int64] = []
            for index in 0..<5 { ids.append(try await client.postV2("m\(index)", in: group, by: cast.alice)) }
            let path = "/api/v2/conversations/\(group)/messages/"
            let latest = try await client.call(.get, path + "?limit=2", token: cast.alice.access)
            #expect(latest.json?["has_more"] == .bool(true))
            #expect(v2WireText(latest).hasPrefix(#"{"results":[\#(v2MessageWire(ids[3], in: group, by: cast.alice, "m3")),"#))
            let older = try await client.call(.get, path + "?limit=2&before=\(ids[3])", token: cast.alice.access)
            #expect(v2WireText(older) == #"{"results":[\#(v2MessageWire(ids[1], in: group, by: cast.alice, "m1")),\#(v2MessageWire(ids[2], in: group, by: cast.alice, "m2"))],"has_more":true}"#)
            let newer = try await client.call(.get, path + "?after=\(ids[3])", token: cast.alice.access)
            #expect(v2WireText(newer) == #"{"results":[\#(v2MessageWire(ids[4], in: group, by: cast.alice, "m4"))],"has_more":false}"#)
            let both = try await client.call(.get, path + "?after=1&before=9", token: cast.alice.access)
            #expect(both.status == .badRequest)
            let bad = try await client.call(.get, path + "?" + query, token: cast.alice.access)
            #expect(bad.status == .badRequest && bad.json?[field] != nil, "\(query): \(bad.text)")
        }
    }

    @Test("the conversation list is latest activity first, in keyset pages")
    func conversationPages() async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            var groups: [Int64] = []
            for index in 0..<3 { groups.append(try await client.createGroup("g\(index)", by: cast.alice, members: [])) }
            try await client.postV2("wake up", in: groups[0], by: cast.alice)
            let first = try await client.call(.get, "/api/v2/conversations/?limit=2", token: cast.alice.access)
            let cursor = try #require(first.json?["next_cursor"].flatMap { if case .string(let text) = $0 { text } else { nil } })
            let second = try await client.call(.get, "/api/v2/conversations/?limit=2&cursor=\(cursor)", token: cast.alice.access)
            let order = [first, second].flatMap { reply -> [Int64] in
                guard case .array(let rows)? = reply.json?["results"] else { return [] }
                return rows.compactMap { if case .int(let id)? = $0["id"] { id } else { nil } }
            }
            #expect(order == [groups[0], groups[2], groups[1]])
            #expect(second.json?["next_cursor"] == .null)
            let garbage = try await client.call(.get, "/api/v2/conversations/?cursor=nope", token: cast.alice.access)
            #expect(garbage.status == .badRequest && garbage.text == fieldError("cursor", "Not a cursor this server handed out."))
        }
    }

    @Test("the event log: every change in seq order, an epoch, and 410 resync_required once pruned past the client")
    func eventLog() async throws {
        let clock = TestClock()
        try await withApp(environment: ["SWIFTCHAT_EVENT_RETENTION_COUNT": "2", "SWIFTCHAT_EVENT_RETENTION": "60s"], clock: clock) { client, runtime in
            let cast = try await client.cast()
            let interest = try await client.sendInterest(from: cast.alice, to: cast.rahul)
            try await client.acceptInterest(interest, by: cast.rahul)
            try await client.postMessage("v1 text", in: interest, by: cast.alice)
            let group = try await client.createGroup("g", by: cast.alice, members: [cast.rahul])
            try await client.postV2("v2 text", in: group, by: cast.rahul)
            let events = try await client.eventTypes(of: cast.rahul)
            #expect(events.map(\.0) == [1, 2, 3, 4, 5, 6])
            #expect(events.map(\.1) == ["interest.changed", "conversation.created", "interest.changed", "message.created", "conversation.created", "message.created"])
            let page = try await client.call(.get, "/api/v2/events/?since=5", token: cast.rahul.access)
            let epoch = try #require(page.json?["epoch"].flatMap { if case .string(let text) = $0 { text } else { nil } })
            #expect(epoch.count == 32)
            let message = try #require(page.text.firstMatch(of: #/"message":\{"id":(?<id>\d+),/#)).output.id
            #expect(v2WireText(page) == #"{"epoch":"\#(epoch)","events":[{"seq":6,"type":"message.created","at":"<at>","data":{"message":\#(v2MessageWire(Int64(message) ?? 0, in: group, by: cast.rahul, "v2 text"))}}],"latest_seq":6}"#)
            #expect(try await client.call(.get, "/api/v2/events/?since=x", token: cast.rahul.access).status == .badRequest)
            #expect(try await client.call(.get, "/api/v2/events/?limit=1001", token: cast.rahul.access).status == .badRequest)
            #expect(try await client.call(.get, "/api/v2/events/", token: nil).status == .unauthorized)

            clock.advance(by: 120)
            let log = EventLogService(store: runtime.store, retention: .init(age: 60, count: 2), now: clock.function)
            #expect(try await log.prune() > 0)
            let gone = try await client.call(.get, "/api/v2/events/?since=1", token: cast.rahul.access)
            #expect(gone.status == .gone)
            #expect(gone.text == #"{"detail":"Events after this position were pruned: reload, then resume from a fresh position.","code":"resync_required","oldest_seq":5}"#)
            #expect(try await client.eventTypes(of: cast.rahul, since: 4).map(\.0) == [5, 6])
        }
    }
}
