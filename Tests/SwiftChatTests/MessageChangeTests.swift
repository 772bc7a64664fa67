import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// Edits and deletes (issue "Everyday chat"): who may, tombstones whose text is gone from the
/// store, and the same view over REST, the event log, `chat_stream` and v1.
@Suite("Message edits and deletes")
struct MessageChangeTests {
    static let epoch = Date(timeIntervalSince1970: 1_795_561_652)

    @Test("an edit replaces the text and logs message.updated; a delete empties the row, drops its files and logs message.deleted once",
          arguments: TestBackends.stores)
    func storeRules(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let a = try await store.createUser(NewUser(phoneNumber: freshPhone(1)), at: Self.epoch)
            let b = try await store.createUser(NewUser(phoneNumber: freshPhone(2)), at: Self.epoch)
            let group = try await store.createGroup(title: "g", by: a.id, members: [b.id], at: Self.epoch)
            let file = try await store.createAttachment(AttachmentStoreConformanceTests.new(a.id), quota: .max, at: Self.epoch)
            let kept = try await store.postMessage(in: group.id, by: a.id, text: "first", clientID: nil, at: Self.epoch).message
            let doomed = try await store.postMessage(in: group.id, by: a.id, text: "secret", clientID: nil, attachments: [file.id], at: Self.epoch).message
            let seqBefore = try await store.events(of: b.id, after: 0, limit: 100).latestSeq
            #expect(try await store.unreadCounts(of: b.id, in: [group.id]) == [group.id: 2])

            let later = Self.epoch.addingTimeInterval(60)
            let edited = try #require(try await store.editMessage(kept.id, in: group.id, text: "first, fixed", at: later))
            #expect(edited.message == "first, fixed" && edited.editedAt == later && edited.createdAt == kept.createdAt)
            #expect(try await store.editMessage(kept.id, in: 999_999, text: "x", at: later) == nil, "only in its own conversation")

            let tombstone = try #require(try await store.deleteMessage(doomed.id, in: group.id, at: later))
            #expect(tombstone.isDeleted && tombstone.message.isEmpty && tombstone.attachments.isEmpty)
            #expect(try await store.message(id: doomed.id)?.message == "", "the text is gone from the store")
            #expect(try await store.attachment(id: file.id) == nil)
            #expect(try await store.dueBlobDeletions(at: later.addingTimeInterval(86400 * 365), limit: 10).contains(file.storageKey))
            #expect(try await store.deleteMessage(doomed.id, in: group.id, at: later)?.isDeleted == true, "again: as it is")
            #expect(try await store.editMessage(doomed.id, in: group.id, text: "back", at: later) == nil, "a tombstone stays one")
            #expect(try await store.unreadCounts(of: b.id, in: [group.id]) == [group.id: 1], "a deleted message is not unread")

            let events = try await store.events(of: b.id, after: seqBefore, limit: 100).events
            #expect(events.map(\.type) == [.messageUpdated, .messageDeleted], "one event each, for every member")
            #expect(events.last?.data.contains(#""deleted":true"#) == true && events.last?.data.contains("secret") == false)
            let history = try await store.messages(in: group.id, window: .latest, limit: 10).messages
            #expect(history.map(\.id) == [kept.id, doomed.id], "the tombstone keeps its place")

            // move-data carries both.
            try await withStore(.sqlite) { copy, _ in
                try await DataMover(from: store, to: copy).move()
                #expect(try await copy.messages(in: group.id, window: .latest, limit: 10).messages == history)
            }
        }
    }

    static func messagePath(_ conversation: Int64, _ message: Int64) -> String { "/api/v2/conversations/\(conversation)/messages/\(message)/" }

    @Test("over REST: the sender edits within the window; the sender, or a group's owner and admins, delete; everyone else is refused")
    func rights() async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            let group = try await client.createGroup("g", by: cast.alice, members: [cast.rahul, cast.maria])
            let rahulsMessage = try await client.postV2("rahul's", in: group, by: cast.rahul)
            let edit = try await client.call(.patch, Self.messagePath(group, rahulsMessage), json: #"{"text": "rahul's, edited"}"#, token: cast.rahul.access)
            #expect(edit.status == .ok && edit.json?["text"] == .string("rahul's, edited") && edit.json?["deleted"] == .bool(false))
            guard case .string(let editedAt)? = edit.json?["edited_at"] else { Issue.record("no edited_at: \(edit.text)"); return }
            #expect(editedAt.hasSuffix("Z") && editedAt.count >= 20, "a DRF datetime: \(editedAt)")

            let refusals: [(Session, String, HTTPResponse.Status)] = [
                (cast.alice, #"{"text": "not mine"}"#, .forbidden), (cast.rahul, #"{"text": "  "}"#, .badRequest),
                (cast.rahul, #"{}"#, .badRequest), (cast.rahul, #"{"text": null}"#, .badRequest),
            ]
            for (who, body, status) in refusals {
                let reply = try await client.call(.patch, Self.messagePath(group, rahulsMessage), json: body, token: who.access)
                #expect(reply.status == status, "\(body): \(reply.text)")
            }
            let outsider = try await client.session(Demo.chen)
            #expect(try await client.call(.patch, Self.messagePath(group, rahulsMessage), json: #"{"text": "x"}"#, token: outsider.access).status == .notFound)
            #expect(try await client.call(.delete, Self.messagePath(group, rahulsMessage), token: outsider.access).status == .notFound)
            #expect(try await client.call(.delete, Self.messagePath(group, 999_999), token: cast.rahul.access).status == .notFound)

            // A plain member may not delete another's message; the owner may; again is a no-op.
            let alicesMessage = try await client.postV2("alice's", in: group, by: cast.alice)
            #expect(try await client.call(.delete, Self.messagePath(group, alicesMessage), token: cast.maria.access).status == .forbidden)
            #expect(try await client.call(.delete, Self.messagePath(group, rahulsMessage), token: cast.alice.access).status == .noContent)
            #expect(try await client.call(.delete, Self.messagePath(group, rahulsMessage), token: cast.rahul.access).status == .noContent)
            let gone = try await client.call(.patch, Self.messagePath(group, rahulsMessage), json: #"{"text": "back"}"#, token: cast.rahul.access)
            #expect(gone.status == .badRequest && gone.text.contains("deleted"))

            let history = try await client.call(.get, "/api/v2/conversations/\(group)/messages/", token: cast.maria.access)
            let shown = try #require(history.json?["results"]?.elements?.first { $0["id"] == .int(rahulsMessage) })
            #expect(shown["deleted"] == .bool(true) && shown["text"] == .string(""))
        }
        // Outside the window the sender can no longer edit.
        try await withApp(environment: ["SWIFTCHAT_MESSAGE_EDIT_WINDOW": "0"]) { client, _ in
            let cast = try await client.cast()
            let group = try await client.createGroup("g", by: cast.alice, members: [cast.rahul])
            let message = try await client.postV2("fixed forever", in: group, by: cast.alice)
            let late = try await client.call(.patch, Self.messagePath(group, message), json: #"{"text": "x"}"#, token: cast.alice.access)
            #expect(late.status == .badRequest && late.text.contains("edited for 0 seconds"), "\(late.text)")
        }
    }

    @Test("a direct conversation: the edit and the delete look the same over REST events, chat_stream and v1; v1 hides the deleted one")
    func sameEverywhere() async throws {
        try await withApp(.live) { client, runtime in
            let cast = try await client.cast()
            let interest = try await client.sendInterest(from: cast.alice, to: cast.rahul)
            try await client.acceptInterest(interest, by: cast.rahul)
            let direct = try await client.directConversation(of: interest, for: cast.rahul)
            let socket = try await client.openSocket(token: cast.rahul.access, runtime: runtime)
            try await ChatStreamTests.subscribed(socket, since: nil)
            let kept = try await client.postMessage("typo", in: interest, by: cast.alice)
            let dropped = try await client.postMessage("oops", in: interest, by: cast.alice)
            #expect(try await client.call(.patch, Self.messagePath(direct, kept), json: #"{"text": "fixed"}"#, token: cast.alice.access).status == .ok)
            // The other party of a direct conversation is no admin: only the sender deletes.
            #expect(try await client.call(.delete, Self.messagePath(direct, dropped), token: cast.rahul.access).status == .forbidden)
            #expect(try await client.call(.delete, Self.messagePath(direct, dropped), token: cast.alice.access).status == .noContent)

            let v1 = try await client.call(.get, "/api/my_app/interests/\(interest)/chat_messages/", token: cast.rahul.access)
            #expect(v1.json?.elements?.map { $0["message"] } == [.string("fixed")], "\(v1.text)")
            #expect(try await client.call(.get, "/api/my_app/interests/\(interest)/chat_messages/\(dropped)/", token: cast.rahul.access).status == .forbidden)

            let rest = try await client.call(.get, "/api/v2/events/?since=0&limit=1000", token: cast.rahul.access)
            let changes = (rest.json?["events"]?.elements ?? []).filter { [.string("message.updated"), .string("message.deleted")].contains($0["type"]) }
            #expect(changes.map { $0["type"] } == [.string("message.updated"), .string("message.deleted")])
            #expect(await eventually { socket.texts.contains { $0.contains(#""type":"message.deleted""#) } }, "\(socket.texts)")
            let socketChanges = socket.texts.compactMap { text -> JSONValue? in
                guard let frame = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)), let event = frame["payload"]?["event"],
                      [.string("message.updated"), .string("message.deleted")].contains(event["type"]) else { return nil }
                return event
            }
            #expect(socketChanges == changes, "the socket and REST carry the same events")
        }
    }
}
