import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// Read markers and unread counts (issue "Everyday chat"): forward only, never counting one's own
/// messages, right under concurrent writers, over REST and `chat_stream`, on both stores.
@Suite("Read receipts")
struct ReadReceiptTests {
    static let epoch = Date(timeIntervalSince1970: 1_795_561_652)

    static func users(_ store: any ChatStore, _ count: Int) async throws -> [User] {
        var users: [User] = []
        for index in 0..<count { users.append(try await store.createUser(NewUser(phoneNumber: freshPhone(index + 1)), at: epoch)) }
        return users
    }

    @Test("a marker moves forward only, to a message of its conversation, for members; counts leave out one's own", arguments: TestBackends.stores)
    func markerRules(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let people = try await Self.users(store, 4)
            let (a, b, c, outsider) = (people[0].id, people[1].id, people[2].id, people[3].id)
            let group = try await store.createGroup(title: "g", by: a, members: [b], at: Self.epoch)
            let other = try await store.createGroup(title: "h", by: a, members: [b], at: Self.epoch)
            var posted: [ChatMessageID] = []
            for (index, sender) in [a, b, a, a, b].enumerated() {
                posted.append(try await store.postMessage(in: group.id, by: sender, text: "m\(index)", clientID: nil, at: Self.epoch).message.id)
            }
            let elsewhere = try await store.postMessage(in: other.id, by: a, text: "x", clientID: nil, at: Self.epoch).message.id
            #expect(try await store.unreadCounts(of: b, in: [group.id, other.id]) == [group.id: 3, other.id: 1])
            #expect(try await store.unreadCounts(of: a, in: [group.id]) == [group.id: 2], "a's own three are not unread")
            #expect(try await store.unreadCounts(of: outsider, in: [group.id]).isEmpty, "no count where one is not a member")

            let before = try await store.events(of: a, after: 0, limit: 100).latestSeq
            #expect(try await store.markRead(b, in: group.id, upTo: posted[2], at: Self.epoch) == .moved(posted[2]))
            #expect(try await store.unreadCounts(of: b, in: [group.id]) == [group.id: 1])
            #expect(try await store.markRead(b, in: group.id, upTo: posted[0], at: Self.epoch) == .unchanged(posted[2]), "never back")
            #expect(try await store.markRead(b, in: group.id, upTo: posted[2], at: Self.epoch) == .unchanged(posted[2]))
            #expect(try await store.markRead(b, in: group.id, upTo: elsewhere, at: Self.epoch) == .unknownMessage)
            #expect(try await store.markRead(b, in: group.id, upTo: 9_999_999, at: Self.epoch) == .unknownMessage)
            #expect(try await store.markRead(outsider, in: group.id, upTo: posted[4], at: Self.epoch) == .notMember)
            #expect(try await store.conversation(id: group.id)?.member(b)?.lastReadMessageID == posted[2])

            // One receipt, for every member, for the one move.
            let receipts = try await store.events(of: a, after: before, limit: 100).events
            #expect(receipts.map(\.type) == [.receiptUpdated])
            #expect(receipts.first?.data == #"{"conversation":\#(group.id),"user":\#(b),"last_read_message_id":\#(posted[2])}"#)
            #expect(try await store.events(of: b, after: 0, limit: 100).events.last?.type == .receiptUpdated, "b's other devices hear it")

            // Someone who joins has read what came before.
            _ = try await store.addMember(c, to: group.id, role: .member, maxMembers: 10, at: Self.epoch)
            #expect(try await store.conversation(id: group.id)?.member(c)?.lastReadMessageID == posted[4])
            #expect(try await store.unreadCounts(of: c, in: [group.id]) == [group.id: 0])
            _ = try await store.postMessage(in: group.id, by: a, text: "new", clientID: nil, at: Self.epoch)
            #expect(try await store.unreadCounts(of: c, in: [group.id]) == [group.id: 1])
        }
    }

    @Test("counts stay exact while several writers post and readers mark at once", arguments: TestBackends.stores)
    func concurrentPostsAndReads(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let people = try await Self.users(store, 4)
            let group = try await store.createGroup(title: "busy", by: people[0].id, members: people.dropFirst().map(\.id), at: Self.epoch)
            let perWriter = 15
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for person in people {
                    tasks.addTask {
                        for index in 0..<perWriter {
                            let posted = try await store.postMessage(in: group.id, by: person.id, text: "\(index)", clientID: nil, at: Self.epoch)
                            // Each reader marks a message somewhat behind the newest, racing the others' posts.
                            if index % 3 == 2 { _ = try await store.markRead(person.id, in: group.id, upTo: posted.message.id, at: Self.epoch) }
                        }
                    }
                }
                try await tasks.waitForAll()
            }
            let messages = try await store.messages(in: group.id, window: .latest, limit: 200).messages
            #expect(messages.count == people.count * perWriter)
            let conversation = try #require(try await store.conversation(id: group.id))
            for person in people {
                let marker = try #require(conversation.member(person.id)?.lastReadMessageID)
                let expected = messages.filter { $0.id > marker && $0.userID != person.id }.count
                #expect(try await store.unreadCounts(of: person.id, in: [group.id])[group.id] == expected)
                // Their marker is their own last marked message: never moved back by a slower mark.
                let ownMarked = messages.filter { $0.userID == person.id }.enumerated().filter { $0.offset % 3 == 2 }.map(\.element.id)
                #expect(marker == ownMarked.max())
            }
        }
    }

    @Test("POST …/read/ answers the marker and count; lists show them; the others hear receipt.updated; bad input changes nothing")
    func overREST() async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            let group = try await client.createGroup("g", by: cast.alice, members: [cast.rahul])
            let first = try await client.postV2("one", in: group, by: cast.alice)
            let second = try await client.postV2("two", in: group, by: cast.alice)
            let listed = try await client.call(.get, "/api/v2/conversations/", token: cast.rahul.access)
            let row = try #require(listed.json?["results"]?.elements?.first { $0["id"] == .int(group) })
            #expect(row["unread_count"] == .int(2) && row["last_read_message_id"] == .null)
            let aliceBefore = try await client.eventTypes(of: cast.alice).last?.0 ?? 0

            let read = try await client.call(.post, "/api/v2/conversations/\(group)/read/", json: #"{"message_id": \#(first)}"#, token: cast.rahul.access)
            #expect(read.status == .ok)
            #expect(read.text == #"{"conversation":\#(group),"last_read_message_id":\#(first),"unread_count":1}"#)
            let back = try await client.call(.post, "/api/v2/conversations/\(group)/read/", json: #"{"message_id": \#(first)}"#, token: cast.rahul.access)
            #expect(back.status == .ok && back.json?["last_read_message_id"] == .int(first))
            #expect(try await client.eventTypes(of: cast.alice, since: aliceBefore).map(\.1) == ["receipt.updated"], "one receipt for one move")

            let shown = try await client.call(.get, "/api/v2/conversations/\(group)/", token: cast.alice.access)
            #expect(shown.json?["members"]?.elements?.first { $0["user"]?["id"] == .int(cast.rahul.id) }?["last_read_message_id"] == .int(first))
            #expect(shown.json?["unread_count"] == .int(0), "alice's own messages are not unread to her")

            let refusals: [(String, String, HTTPResponse.Status)] = [
                (#"{}"#, "message_id", .badRequest), (#"{"message_id": "two"}"#, "message_id", .badRequest),
                (#"{"message_id": 9999999}"#, "Not a message of this conversation", .badRequest), ("[", "JSON parse error", .badRequest),
            ]
            for (body, words, status) in refusals {
                let reply = try await client.call(.post, "/api/v2/conversations/\(group)/read/", json: body, token: cast.rahul.access)
                #expect(reply.status == status, "\(body): \(reply.text)")
                #expect(reply.text.contains(words), "\(body): \(reply.text)")
            }
            let outsider = try await client.call(.post, "/api/v2/conversations/\(group)/read/", json: #"{"message_id": \#(second)}"#, token: cast.maria.access)
            #expect(outsider.status == .notFound)
            let after = try await client.call(.get, "/api/v2/conversations/\(group)/", token: cast.rahul.access)
            #expect(after.json?["last_read_message_id"] == .int(first) && after.json?["unread_count"] == .int(1), "the refusals changed nothing")
        }
    }

    @Test("the chat_stream action moves the marker; the other member's socket gets receipt.updated; bad actions get error frames")
    func overTheSocket() async throws {
        try await withApp(.live) { client, runtime in
            let cast = try await client.cast()
            let group = try await client.createGroup("g", by: cast.alice, members: [cast.rahul])
            let message = try await client.postV2("hello", in: group, by: cast.alice)
            let alice = try await client.openSocket(token: cast.alice.access, runtime: runtime)
            try await ChatStreamTests.subscribed(alice, since: nil)
            let rahul = try await client.openSocket(token: cast.rahul.access, runtime: runtime)
            rahul.send(#"{"stream": "chat_stream", "payload": {"type": "read", "conversation": \#(group), "message_id": \#(message)}}"#)
            #expect(await eventually { ChatStreamTests.streamFrames(alice.texts).contains { if case .event(_, "receipt.updated") = $0 { true } else { false } } },
                    "alice hears the receipt: \(alice.texts)")
            #expect(alice.texts.contains { $0.contains(#""last_read_message_id":\#(message)"#) })

            for (payload, words) in [
                (#"{"type": "read", "conversation": \#(group), "message_id": 9999999}"#, "Not a message of this conversation"),
                (#"{"type": "read", "conversation": 9999999, "message_id": \#(message)}"#, "not a member"),
                (#"{"type": "read", "conversation": "x", "message_id": 1}"#, "conversation"),
                (#"{"type": "read", "conversation": \#(group)}"#, "message_id"),
                (#"{"type": "reed"}"#, "Unknown chat_stream type"),
            ] {
                let count = rahul.texts.count
                rahul.send(#"{"stream": "chat_stream", "payload": \#(payload)}"#)
                #expect(await eventually { rahul.texts.count > count }, "\(payload): no answer")
                #expect(rahul.texts.last?.contains(#""stream": "error""#) == true && rahul.texts.last?.contains(words) == true,
                        "\(payload): \(rahul.texts.last ?? "")")
            }
            let after = try await client.call(.get, "/api/v2/conversations/\(group)/", token: cast.rahul.access)
            #expect(after.json?["last_read_message_id"] == .int(message))
        }
    }
}
