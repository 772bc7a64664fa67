import Foundation
import HummingbirdTesting
import Testing
@testable import SwiftChatCore
@testable import SwiftChatRedis
@testable import SwiftChatServer

/// "… is typing" (issue "Everyday chat"): relayed to the other members' `chat_stream` sockets,
/// never stored, never to anyone else, at most so often per socket.
@Suite("Typing")
struct TypingTests {
    static func typing(_ conversation: Int64) -> String {
        #"{"stream": "chat_stream", "payload": {"type": "typing", "conversation": \#(conversation)}}"#
    }

    /// The typing frames a socket got, as (conversation, user) pairs.
    static func typed(_ socket: SocketClient) -> [(Int64, Int64)] {
        socket.texts.compactMap { text in
            guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)), value["payload"]?["type"] == .string("typing"),
                  case .int(let conversation)? = value["payload"]?["conversation"], case .int(let user)? = value["payload"]?["user"]
            else { return nil }
            return (conversation, user)
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

            // Rahul types back: Alice's sockets hear him, and never herself.
            rahul.send(Self.typing(group))
            for socket in [alice, aliceElsewhere] {
                #expect(await eventually { !Self.typed(socket).isEmpty })
                #expect(Self.typed(socket).map(\.1) == [cast.rahul.id], "\(socket.texts)")
            }
            #expect(try await client.eventTypes(of: cast.rahul).count == logBefore, "typing is not in the log")

            // A non-member is told so; a malformed action gets an error frame.
            for (frame, words) in [(Self.typing(group), "not a member"), (Self.typing(0), "conversation")] {
                let count = maria.texts.count
                maria.send(frame)
                #expect(await eventually { maria.texts.count > count })
                #expect(maria.texts.last?.contains(words) == true, "\(maria.texts.last ?? "")")
            }
            #expect(Self.typed(rahul).count == 1, "Maria's attempt reached no one")
        }
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
        let publication = Publication(event: .typing(conversation: 7, user: 3), topics: [.eventLog(4), .eventLog(5)])
        #expect(PublicationCodec.decode(PublicationCodec.encode(publication)) == publication)
        #expect(PublicationCodec.decode(Array(#"{"v":1,"event":"typing","conversation":7,"topics":["events-4"]}"#.utf8)) == nil)
    }
}
