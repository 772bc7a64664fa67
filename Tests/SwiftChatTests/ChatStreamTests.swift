import Foundation
import HummingbirdTesting
import Synchronization
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// The socket's `chat_stream` (`v2-api.md` §3 and §4): replay then live, each event once and
/// in order, and v1 ↔ v2 visibility on the same socket.
@Suite("chat_stream")
struct ChatStreamTests {
    /// A chat_stream frame, read from its text.
    enum StreamFrame: Equatable {
        case subscribed(latestSeq: Int64)
        case event(seq: Int64, type: String)
        case resync(oldestSeq: Int64)
    }

    static func streamFrames(_ texts: [String]) -> [StreamFrame] {
        texts.compactMap { text in
            guard text.hasPrefix(#"{"stream":"chat_stream""#), let value = try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)),
                  case .string(let type)? = value["payload"]?["type"] else { return nil }
            switch type {
            case "subscribed": if case .int(let seq)? = value["payload"]?["latest_seq"] { return .subscribed(latestSeq: seq) }
            case "resync_required": if case .int(let seq)? = value["payload"]?["oldest_seq"] { return .resync(oldestSeq: seq) }
            case "event":
                if case .int(let seq)? = value["payload"]?["event"]?["seq"], case .string(let kind)? = value["payload"]?["event"]?["type"] {
                    return .event(seq: seq, type: kind)
                }
            default: break
            }
            return nil
        }
    }

    static func seqs(_ socket: SocketClient) -> [Int64] {
        streamFrames(socket.texts).compactMap { if case .event(let seq, _) = $0 { seq } else { nil } }
    }

    static func subscribe(_ socket: SocketClient, since: Int64?) {
        socket.send(#"{"stream": "chat_stream", "payload": {"type": "subscribe"\#(since.map { ", \"since\": \($0)" } ?? "")}}"#)
    }

    /// Subscribes and waits (bounded) for the `subscribed` answer.
    static func subscribed(_ socket: SocketClient, since: Int64?, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        subscribe(socket, since: since)
        try #require(await eventually { streamFrames(socket.texts).contains { if case .subscribed = $0 { true } else { false } } },
                     "no subscribed frame: \(socket.texts)", sourceLocation: sourceLocation)
    }

    /// `eventually` at a slower pace, for many clients polling at once in the server's process.
    static func poll(within timeout: Duration, _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(100))
        }
        return condition()
    }

    @Test("a resumed socket costs the store one read; the epoch is read once per process; the health route counts them")
    func resumeReadsCounted() async throws {
        try await withApp(.live) { client, runtime in
            let cast = try await client.cast()
            let group = try await client.createGroup("g", by: cast.alice, members: [cast.rahul])
            try await client.postV2("one", in: group, by: cast.alice)
            func reads() async throws -> Int64 {
                let value = try await client.call(.get, "/health/").dictionary["event_log_reads"]
                return Int64(try #require(value as? Int))
            }
            let before = try await reads()
            var sockets: [SocketClient] = []
            for _ in 0..<5 {
                let socket = try await client.openSocket(token: cast.rahul.access, runtime: runtime)
                try await Self.subscribed(socket, since: 1)
                sockets.append(socket)
            }
            // Five event reads and one epoch read; no wake-up came, as nothing was posted.
            #expect(try await reads() - before == 6)
            #expect(sockets.allSatisfy { Self.seqs($0) == [2] })
        }
    }

    @Test("replay from since, then live: each event once, in seq order; no since means only what comes next")
    func replayThenLive() async throws {
        try await withApp(.live) { client, runtime in
            let cast = try await client.cast()
            let group = try await client.createGroup("g", by: cast.alice, members: [cast.rahul])
            for index in 0..<3 { try await client.postV2("before \(index)", in: group, by: cast.alice) }
            let replaying = try await client.openSocket(token: cast.rahul.access, runtime: runtime)
            let fresh = try await client.openSocket(token: cast.rahul.access, runtime: runtime)
            try await Self.subscribed(replaying, since: 1)
            try await Self.subscribed(fresh, since: nil)
            #expect(Self.streamFrames(replaying.texts).first == .subscribed(latestSeq: 4))
            for index in 0..<3 { try await client.postV2("after \(index)", in: group, by: cast.alice) }
            #expect(await eventually { Self.seqs(replaying).count == 6 && Self.seqs(fresh).count == 3 })
            #expect(Self.seqs(replaying) == [2, 3, 4, 5, 6, 7])
            #expect(Self.seqs(fresh) == [5, 6, 7])
            let settled = await replaying.settledTexts()
            #expect(Self.seqs(replaying) == [2, 3, 4, 5, 6, 7], "nothing twice: \(settled)")
            #expect(!settled.contains { $0.contains("notification_stream") }, "group messages raise no v1 frame")
        }
    }

    @Test("v1 and v2 see each other: a v1 post is message.created for both parties; a v2 direct post is UPDATE_CHAT for the other")
    func crossVisibility() async throws {
        try await withApp(.live) { client, runtime in
            let cast = try await client.cast()
            let interest = try await client.sendInterest(from: cast.alice, to: cast.rahul)
            let direct = try await client.directConversation(of: interest, for: cast.alice)
            let alice = try await client.openSocket(token: cast.alice.access, runtime: runtime)
            let rahul = try await client.openSocket(token: cast.rahul.access, runtime: runtime)
            try await Self.subscribed(alice, since: nil)
            try await Self.subscribed(rahul, since: nil)
            try await client.postMessage("v1", in: interest, by: cast.alice)
            #expect(await eventually { Self.seqs(alice).count == 1 && Self.seqs(rahul).count == 1 })
            try await client.postV2("v2", in: direct, by: cast.rahul)
            #expect(await eventually { Self.seqs(alice).count == 2 && Self.seqs(rahul).count == 2 })
            let aliceTexts = await alice.settledTexts()
            let rahulTexts = await rahul.settledTexts()
            #expect(Self.streamFrames(aliceTexts).filter { if case .event = $0 { true } else { false } }
                == [.event(seq: 3, type: "message.created"), .event(seq: 4, type: "message.created")])
            #expect(aliceTexts.filter { $0 == Frame.updateChat }.count == 1, "the v2 post told Alice the v1 way")
            #expect(rahulTexts.filter { $0 == Frame.updateChat }.count == 1, "the v1 post told Rahul the v1 way")
            #expect(aliceTexts.contains { $0.contains(#""text":"v2""#) } && rahulTexts.contains { $0.contains(#""text":"v1""#) })
        }
    }

    @Test("an event whose wake-up never came still arrives: the stream reads its log again by itself")
    func missedWakeUpIsMadeGood() async throws {
        try await withApp(.live) { client, runtime in
            let cast = try await client.cast()
            let group = try await client.createGroup("g", by: cast.alice, members: [cast.rahul])
            let socket = try await client.openSocket(token: cast.rahul.access, runtime: runtime)
            try await Self.subscribed(socket, since: nil)
            // Written through the store alone: no publication, as when Redis loses one.
            _ = try await runtime.store.postMessage(in: ConversationID(rawValue: group), by: UserID(rawValue: cast.alice.id), text: "unannounced", clientID: nil, at: Date())
            #expect(await eventually(within: .seconds(30)) { Self.seqs(socket) == [2] })
        }
    }

    @Test("deleting a user tells the members of their groups at once")
    func deletedUsersGroupsAreTold() async throws {
        try await withApp(.live) { client, runtime in
            let cast = try await client.cast()
            let group = try await client.createGroup("g", by: cast.maria, members: [cast.rahul])
            let rahul = try await client.openSocket(token: cast.rahul.access, runtime: runtime)
            try await Self.subscribed(rahul, since: nil)
            try await client.adminDeletes(cast.maria)
            #expect(await eventually { Self.streamFrames(rahul.texts).contains(.event(seq: 2, type: "member.removed")) })
            #expect(Self.streamFrames(rahul.texts).contains(.event(seq: 3, type: "member.updated")), "Rahul owns it now")
            let shown = try await client.call(.get, "/api/v2/conversations/\(group)/", token: cast.rahul.access)
            #expect(v2WireText(shown).contains(#""members":[{"user":\#(cast.rahulBase),"role":"owner""#), "Rahul alone, its owner")
        }
    }

    @Test("a position older than the log keeps gets resync_required, then a fresh subscribe works")
    func resyncBeyondRetention() async throws {
        let clock = TestClock()
        try await withApp(.live, clock: clock) { client, runtime in
            let cast = try await client.cast()
            let group = try await client.createGroup("g", by: cast.alice, members: [cast.rahul])
            for index in 0..<5 { try await client.postV2("m\(index)", in: group, by: cast.alice) }
            clock.advance(by: 3600)
            _ = try await EventLogService(store: runtime.store, retention: .init(age: 60, count: 2), now: clock.function).prune()
            let socket = try await client.openSocket(token: cast.rahul.access, runtime: runtime)
            Self.subscribe(socket, since: 1)
            #expect(await eventually { Self.streamFrames(socket.texts) == [.resync(oldestSeq: 5)] })
            try await Self.subscribed(socket, since: 4)
            #expect(await eventually { Self.seqs(socket) == [5, 6] })
        }
    }

    @Test("a live socket whose position is pruned while it is behind gets resync_required, not silence")
    func resyncWhileLive() async throws {
        let clock = TestClock()
        try await withApp(.live, clock: clock) { client, runtime in
            let cast = try await client.cast()
            let group = try await client.createGroup("g", by: cast.alice, members: [cast.rahul])
            let socket = try await client.openSocket(token: cast.rahul.access, runtime: runtime)
            try await Self.subscribed(socket, since: 1)
            // Written to the store directly: no publication, so the socket does not wake and falls behind.
            let conversation = ConversationID(rawValue: group)
            for index in 0..<4 {
                _ = try await runtime.store.postMessage(
                    in: conversation, by: UserID(rawValue: cast.alice.id), text: "quiet \(index)", clientID: nil, at: clock.now)
            }
            clock.advance(by: 3600)
            _ = try await EventLogService(store: runtime.store, retention: .init(age: 60, count: 2), now: clock.function).prune()
            try await client.postV2("loud", in: group, by: cast.alice)
            #expect(await eventually { Self.streamFrames(socket.texts).contains(.resync(oldestSeq: 4)) }, "\(socket.texts)")
            #expect(Self.seqs(socket).isEmpty, "nothing after the gap is sent as if it followed")
        }
    }

    @Test("a subscribe racing with posts: every message exactly once, in order, whatever the interleaving")
    func subscribeRacingWithPosts() async throws {
        try await withApp(.live, environment: ["SWIFTCHAT_MESSAGE_RATE_PER_USER": "0"]) { client, runtime in
            let cast = try await client.cast()
            let group = try await client.createGroup("g", by: cast.alice, members: [cast.rahul])
            let socket = try await client.openSocket(token: cast.rahul.access, runtime: runtime)
            let posting = Task {
                for index in 0..<60 { try await client.postV2("m\(index)", in: group, by: cast.alice) }
            }
            try await Task.sleep(for: .milliseconds(20))  // lands the subscribe somewhere inside the burst
            Self.subscribe(socket, since: 0)
            try await posting.value
            #expect(await eventually(within: .seconds(60)) { Self.seqs(socket).count == 61 }, "socket ended: \(String(describing: socket.outcome))")
            _ = await socket.settledTexts()
            #expect(Self.seqs(socket) == Array(1...61))
        }
    }

    @Test("a reconnect storm: 200 sockets dropped and resumed with their last seq while messages keep coming; each ends with every message once, in order")
    func reconnectStorm() async throws {
        // On PostgreSQL, 200 streams reading at once need more than the test apps' usual 2 connections.
        let environment = ["SWIFTCHAT_MESSAGE_RATE_PER_USER": "0", "SWIFTCHAT_WS_MAX_SOCKETS_PER_USER": "0", "SWIFTCHAT_DATABASE_CONNECTIONS": "10"]
        try await withApp(.live, environment: environment) { client, runtime in
            let cast = try await client.cast()
            let members = [cast.alice, cast.rahul, cast.maria]
            let group = try await client.createGroup("storm", by: cast.alice, members: [cast.rahul, cast.maria])
            let messages = 80
            // Fewer on PostgreSQL + Redis, where the storm shares the machine with the other suites' apps.
            let clients = TestBackends.appsRunOnProduction ? 100 : 200
            let posting = Task {
                for index in 0..<messages { try await client.postV2("m\(index)", in: group, by: members[index % 3]) }
            }
            // Each logical client hops sockets: after each hop it resumes from the last seq it holds.
            let outcomes = try await withThrowingTaskGroup(of: (Int, [Int64]).self) { tasks in
                for number in 0..<clients {
                    tasks.addTask {
                        let user = members[number % 3]
                        var seen: [Int64] = []
                        let last = Int64(1 + messages)
                        var hop = 0
                        // Three early drops, then stay until the end; a socket the server closes
                        // (1013 while it is busy) is resumed like any other. Bounded in hops.
                        while seen.last != last && hop < 40 {
                            defer { hop += 1 }
                            // A refused or slow handshake (503 while the server is busy) is retried, as clients do.
                            var connected: SocketClient?
                            for _ in 0..<20 where connected == nil {
                                let attempt = try client.startSocket(token: user.access, runtime: runtime)
                                if await attempt.waitUntilConnected(within: .seconds(60)) { connected = attempt }
                            }
                            guard let socket = connected else {
                                Issue.record("client \(number) hop \(hop) never connected")
                                continue
                            }
                            Self.subscribe(socket, since: seen.last ?? 1)
                            // The checks while waiting stay cheap (a count, the last frame, the outcome):
                            // 200 clients poll in the server's own process.
                            if hop < 3 {
                                _ = await Self.poll(within: .milliseconds(200 + 50 * (number % 5))) { socket.texts.count >= 3 + hop }
                            } else {
                                _ = await Self.poll(within: .seconds(60)) {
                                    socket.outcome != nil
                                        || socket.texts.last.map { Self.streamFrames([$0]) == [.event(seq: last, type: "message.created")] } == true
                                }
                            }
                            _ = await socket.close()
                            // Everything the socket got counts: a repeat across hops must show.
                            seen += Self.seqs(socket)
                        }
                        return (number, seen)
                    }
                }
                return try await tasks.reduce(into: [Int: [Int64]]()) { $0[$1.0] = $1.1 }
            }
            try await posting.value
            #expect(outcomes.count == clients)
            let expected = Array(2...Int64(1 + messages))
            let wrong = outcomes.filter { $0.value != expected }
            let sample = wrong.sorted { $0.key < $1.key }.prefix(3).map { client, seqs in
                let missing = Set(expected).subtracting(seqs).sorted()
                let repeated = Dictionary(grouping: seqs, by: { $0 }).filter { $0.value.count > 1 }.keys.sorted()
                return "client \(client): \(seqs.count) events, missing \(missing.prefix(10)), repeated \(repeated.prefix(10)), out of order \(seqs != seqs.sorted())"
            }
            #expect(wrong.count == 0, "\(wrong.count) clients missing or repeating events: \(sample)")
        }
    }
}
