import Foundation
import HummingbirdTesting
import ServiceLifecycle
import Synchronization
import Testing
@testable import SwiftChatCore
@testable import SwiftChatRedis
import SwiftChatSQLite
@testable import SwiftChatServer

/// "… is typing" (issue "Everyday chat"): relayed to the other members' `chat_stream` sockets,
/// never stored, never to anyone else, at most so often per socket.
@Suite("Typing")
struct TypingTests {
    static func typing(_ conversation: Int64) -> String {
        #"{"stream": "chat_stream", "payload": {"type": "typing", "conversation": \#(conversation)}}"#
    }

    /// The typing frames a socket got, as (conversation, user) pairs, one per typist named.
    static func typed(_ socket: SocketClient) -> [(Int64, Int64)] {
        socket.texts.flatMap { text -> [(Int64, Int64)] in
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)), value["payload"]?["type"] == .string("typing"),
                  case .int(let conversation)? = value["payload"]?["conversation"], case .array(let users)? = value["payload"]?["users"],
                  value["payload"]?["user"] == users.first
            else { return [] }
            return users.compactMap { user in
                guard case .int(let id) = user else { return nil }
                return (conversation, id)
            }
        }
    }

    @Test("the other members' sockets hear it; the typist's own devices, non-members and the event log do not")
    func relayedToMembersOnly() async throws {
        try await withApp(.live) { client, runtime in
            let cast = try await client.cast()
            let group = try await client.createGroup("g", by: cast.alice, members: [cast.rahul])
            let withMaria = try await client.createGroup("h", by: cast.alice, members: [cast.maria])
            let alice = try await client.openSocket(token: cast.alice.access, runtime: runtime)
            let aliceElsewhere = try await client.openSocket(token: cast.alice.access, runtime: runtime)
            let rahul = try await client.openSocket(token: cast.rahul.access, runtime: runtime)
            let maria = try await client.openSocket(token: cast.maria.access, runtime: runtime)
            for socket in [alice, aliceElsewhere, rahul, maria] { try await ChatStreamTests.subscribed(socket, since: nil) }
            let logBefore = try await client.eventTypes(of: cast.rahul).count

            // A burst: one relay per conversation per interval.
            for _ in 0..<3 { alice.send(Self.typing(group)) }
            alice.send(Self.typing(withMaria))
            #expect(await eventually { !Self.typed(maria).isEmpty }, "Maria hears Alice in their group: \(maria.texts)")
            #expect(Self.typed(maria).map(\.0) == [withMaria], "never the group she is not in")
            #expect(await eventually { !Self.typed(rahul).isEmpty })
            #expect(Self.typed(rahul).count == 1 && Self.typed(rahul).first! == (group, cast.alice.id), "\(rahul.texts)")
            #expect(rahul.texts.contains { $0.contains(#""expires_in_seconds":6"#) })

            // A lone typist hears nothing of herself. Rahul types back: one relay names both of
            // them, for everyone in the group (each client skips its own id).
            #expect(Self.typed(alice).isEmpty && Self.typed(aliceElsewhere).isEmpty)
            rahul.send(Self.typing(group))
            for socket in [alice, aliceElsewhere, rahul] {
                #expect(await eventually { Self.typed(socket).contains { $0 == (group, cast.rahul.id) } }, "\(socket.texts)")
                #expect(Self.typed(socket).contains { $0 == (group, cast.alice.id) })
            }
            #expect(try await client.eventTypes(of: cast.rahul).count == logBefore, "typing is not in the log")

            // A non-member is told so; a malformed action gets an error frame.
            for (frame, words) in [(Self.typing(group), "not a member"), (Self.typing(0), "conversation")] {
                let count = maria.texts.count
                maria.send(frame)
                // Alice's relay to Maria repeats while she types, so the answer need not be last.
                #expect(await eventually { maria.texts.dropFirst(count).contains { $0.contains(#""stream": "error""#) && $0.contains(words) } },
                        "\(maria.texts.dropFirst(count))")
            }
            for socket in [alice, aliceElsewhere, rahul] {
                #expect(!Self.typed(socket).contains { $0.1 == cast.maria.id }, "Maria's attempt reached no one")
            }
        }
    }

    /// Announcements of a room of typists, as `TypingRelay` sees them: `typists` people, the
    /// i-th announcing at i × `spacing` and again every 3 s (as clients repeat) for `seconds`.
    static func storm(typists: Int, spacing: Duration, seconds: Int) -> [(ContinuousClock.Instant, UserID)] {
        let start = ContinuousClock.now
        return (0..<typists).flatMap { i in
            stride(from: 0, to: seconds, by: 3).map { second in
                (start + spacing * i + .seconds(second), UserID(rawValue: Int64(i + 1)))
            }
        }.sorted { $0.0 < $1.0 }
    }

    @Test("a room of 50 typists: one relay naming them all every 3 s, not one per typist; newcomers wait a second at most")
    func relaysAreBatched() async throws {
        try await withTemporaryDirectory { folder in
            let relay = TypingRelay(store: try SQLiteStore(path: folder.appendingPathComponent("t.sqlite3").path), broker: RecordingBroker())
            let announcements = Self.storm(typists: 50, spacing: .milliseconds(60), seconds: 30)
            let start = announcements[0].0
            var pending = announcements[...]
            var relays: [(Duration, Int)] = []
            for tick in 0...400 {
                let now = start + .milliseconds(100 * tick)
                while let next = pending.first, next.0 <= now {
                    _ = relay.note(next.1, in: 9, at: next.0)
                    pending = pending.dropFirst()
                }
                for due in relay.takeDue(at: now) {
                    #expect(due.conversation == 9)
                    relays.append((now - start, due.typists.count))
                }
            }
            // 0 s: the first typist at once; then the newcomers of each second; from 3 s on all
            // 50 every 3 s; at 33 s the 8 who announced within the last 3.5 s; then nothing.
            #expect(relays.map(\.0) == [0, 1, 2, 3, 6, 9, 12, 15, 18, 21, 24, 27, 30, 33].map { Duration.seconds($0) })
            #expect(relays.map(\.1) == [1, 17, 34] + Array(repeating: 50, count: 10) + [8])
            #expect(relay.takeDue(at: start + .seconds(60)).isEmpty)

            // A new typist in a quiet room is relayed at once; another conversation is its own room.
            _ = relay.note(3, in: 9, at: start + .seconds(61))
            _ = relay.note(3, in: 10, at: start + .seconds(61))
            #expect(Set(relay.takeDue(at: start + .seconds(61))) == [.init(conversation: 9, typists: [3]), .init(conversation: 10, typists: [3])])
        }
    }

    @Test("a relay goes to the members at relay time: a typist who left is not named, a lone typist is not told of herself")
    func relaysFollowMembership() async throws {
        try await withTemporaryDirectory { folder in
            let store = try SQLiteStore(path: folder.appendingPathComponent("t.sqlite3").path)
            try await store.migrate()
            var users: [UserID] = []
            for (phone, name) in [(Demo.alice, "Alice"), (Demo.rahul, "Rahul"), (Demo.maria, "Maria")] {
                users.append(try await store.createUser(NewUser(phoneNumber: phone, firstName: name), at: Date()).id)
            }
            let (alice, rahul, maria) = (users[0], users[1], users[2])
            let group = try await store.createGroup(title: "g", by: alice, members: [rahul], at: Date()).id
            let broker = RecordingBroker()
            let relay = TypingRelay(store: store, broker: broker)

            await relay.send(.init(conversation: group, typists: [alice]))
            await relay.send(.init(conversation: group, typists: [alice, maria]))
            await relay.send(.init(conversation: group, typists: [alice, rahul]))
            await relay.send(.init(conversation: group, typists: [maria]))
            #expect(broker.published == [
                Publication(event: .typing(conversation: group, users: [alice]), topics: [.eventLog(rahul)]),
                Publication(event: .typing(conversation: group, users: [alice]), topics: [.eventLog(rahul)]),
                Publication(event: .typing(conversation: group, users: [alice, rahul]), topics: [.eventLog(alice), .eventLog(rahul)]),
            ])
        }
    }

    /// Keeps what is published, for tests that look at publications rather than sockets.
    final class RecordingBroker: Broker {
        private let publications = Mutex<[Publication]>([])
        let subscribers = LocalFanout(logger: testLogger, render: NotificationSocketHandler.render)
        var published: [Publication] { publications.withLock { $0 } }
        var reachesOtherProcesses: Bool { false }
        var health: BrokerHealth { .inProcess }
        func publish(_ publication: Publication) async { publications.withLock { $0.append(publication) } }
        func start() async {}
        func run() async throws { try await gracefulShutdown() }
        func stop() async {}
    }

    @Test("the limiter: once per conversation per interval, a few conversations per interval in all")
    func limiter() {
        var limiter = TypingLimiter()
        let start = ContinuousClock.now
        let next = start + TypingLimiter.interval
        let asked: [(ConversationID, ContinuousClock.Instant)] = [
            (1, start), (1, start + .milliseconds(500)),  // a repeat within the interval
            (2, start + .milliseconds(600)), (3, start + .milliseconds(700)), (4, start + .milliseconds(800)),
            (5, start + .milliseconds(900)),  // a fifth conversation in one interval
            (1, next), (5, next + .milliseconds(1)), (1, next + .milliseconds(2)),  // a new interval
        ]
        let answers = asked.map { limiter.allows($0.0, at: $0.1) }
        #expect(answers == [true, false, true, true, true, false, true, true, false])
    }

    @Test("typing crosses processes through Redis with its conversation and user; a malformed one is skipped")
    func codec() throws {
        let publication = Publication(event: .typing(conversation: 7, users: [3, 8]), topics: [.eventLog(4), .eventLog(5)])
        #expect(PublicationCodec.decode(PublicationCodec.encode(publication)) == publication)
        // The one-typist shape of the release before is still read.
        let single = PublicationCodec.decode(Array(#"{"v":1,"event":"typing","conversation":7,"user":3,"topics":["events-4"]}"#.utf8))
        #expect(single == Publication(event: .typing(conversation: 7, users: [3]), topics: [.eventLog(4)]))
        let tooMany = "[" + (1...(TypingRelay.maxListed + 1)).map(String.init).joined(separator: ",") + "]"
        for malformed in [
            #"{"v":1,"event":"typing","conversation":7,"topics":["events-4"]}"#,
            #"{"v":1,"event":"typing","conversation":7,"users":[],"topics":["events-4"]}"#,
            #"{"v":1,"event":"typing","conversation":7,"users":\#(tooMany),"topics":["events-4"]}"#,
        ] {
            #expect(PublicationCodec.decode(Array(malformed.utf8)) == nil, "\(malformed.prefix(80))")
        }
    }
}
