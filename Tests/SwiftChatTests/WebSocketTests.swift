import Foundation
import HTTPTypes
import HummingbirdTesting
import HummingbirdWSClient
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// Waits until every socket has at least its expected number of frames (bounded), then drains
/// each server-side queue with a probe (`SocketClient.settledTexts()`), and checks that each
/// received exactly its expected frames, in order: anything extra would have been queued ahead
/// of the probe's answer.
func expectFrames(_ expectations: [(name: String, socket: SocketClient, frames: [String])],
                  sourceLocation: SourceLocation = #_sourceLocation) async {
    for expectation in expectations where !expectation.frames.isEmpty {
        _ = await eventually { expectation.socket.texts.count >= expectation.frames.count }
    }
    for expectation in expectations {
        let received = await expectation.socket.settledTexts()
        #expect(received == expectation.frames, "frames received by \(expectation.name)", sourceLocation: sourceLocation)
    }
}

/// The notification socket over a real TCP connection: original-api.md section 6, D8, D14.
@Suite struct WebSocketTests {
    // MARK: Handshake

    /// Handshakes the original refuses with HTTP 403.
    enum RefusedCredentials: String, CaseIterable, Sendable {
        case noToken, emptyToken, garbageToken, refreshToken, expiredToken, deletedUser, authorizationHeaderOnly

        /// Prepares the case; returns the `?token=` value and extra headers to send.
        func prepare(_ client: any TestClientProtocol, _ clock: TestClock) async throws -> (token: String?, headers: HTTPFields) {
            switch self {
            case .noToken: return (nil, [:])
            case .emptyToken: return ("", [:])
            case .garbageToken: return ("not-a-jwt", [:])
            case .refreshToken: return (try await client.session(Demo.alice).refresh, [:])
            case .expiredToken:
                let alice = try await client.session(Demo.alice)
                clock.advance(by: 21 * 86_400)  // access tokens live 20 days
                return (alice.access, [:])
            case .deletedUser:
                let chen = try await client.session(Demo.chen)
                try await client.adminDeletes(chen)
                return (chen.access, [:])
            case .authorizationHeaderOnly:
                let alice = try await client.session(Demo.alice)
                return (nil, [.authorization: "JWT \(alice.access)"])
            }
        }
    }

    @Test(arguments: RefusedCredentials.allCases)
    func handshakeIsRefusedWith403(_ credentials: RefusedCredentials) async throws {
        let clock = TestClock()
        try await withApp(.live, clock: clock) { client, runtime in
            let (token, headers) = try await credentials.prepare(client, clock)
            let raw = try await client.rawUpgrade(token: token, extra: headers)
            #expect(raw.status == .forbidden)

            let socket = try client.startSocket(token: token, headers: headers)
            #expect(await socket.waitUntilConnected() == false)
            guard case .failed = socket.outcome else {
                Issue.record("the WebSocket client connected or did not finish: \(String(describing: socket.outcome))")
                return
            }
            #expect(runtime.openSockets == 0)
        }
    }

    /// `/ws/` is the original's path; `/ws` is what the intended nginx routes.
    @Test(arguments: ["/ws/", "/ws"])
    func aValidAccessTokenConnects(_ path: String) async throws {
        try await withApp(.live) { client, runtime in
            let cast = try await client.cast()
            let socket = try await client.openSocket(token: cast.alice.access, runtime: runtime, path: path)
            try await client.sendInterest(from: cast.rahul, to: cast.alice)
            await expectFrames([("alice", socket, [Frame.updateInterest])])
            #expect(socket.outcome == nil)
            #expect(await socket.close() == .closed(code: 1000))
            #expect(await eventually { runtime.openSockets == 0 })
        }
    }

    /// D14: with allowed origins configured, another Origin is refused; by default any is
    /// accepted, and so is a handshake without Origin (only browsers send one).
    @Test(arguments: [
        ([:], "http://evil.example", true),
        ([:], nil, true),
        (["CORS_ALLOWED_ORIGINS": "http://localhost:5003"], "http://evil.example", false),
        (["CORS_ALLOWED_ORIGINS": "http://localhost:5003"], "http://localhost:5003", true),
        (["CORS_ALLOWED_ORIGINS": "http://localhost:5003"], nil, true),
        (["ALLOWED_HOSTS": "chat.example.com"], "https://chat.example.com", true),
        (["ALLOWED_HOSTS": "chat.example.com"], "http://evil.example", false),
        (["ALLOWED_HOSTS": ".example.com"], "https://sub.example.com", true),
        (["ALLOWED_HOSTS": ".example.com"], "https://example.com.evil.org", false),
    ] as [([String: String], String?, Bool)])
    func originRule(_ environment: [String: String], _ origin: String?, _ allowed: Bool) async throws {
        try await withApp(.live, environment: environment) { client, _ in
            let alice = try await client.session(Demo.alice)
            let raw = try await client.rawUpgrade(token: alice.access, origin: origin)
            #expect(raw.status == (allowed ? .switchingProtocols : .forbidden))
        }
    }

    /// The same rule with the real client. It always sends `Origin: ws://localhost` first (then
    /// any extra one), so the allowed case configures the host `localhost`.
    @Test(arguments: [
        ([:], "http://evil.example", true),
        (["ALLOWED_HOSTS": "localhost"], nil, true),
        (["CORS_ALLOWED_ORIGINS": "http://localhost:5003"], "http://evil.example", false),
    ] as [([String: String], String?, Bool)])
    func originRuleWithARealClient(_ environment: [String: String], _ origin: String?, _ allowed: Bool) async throws {
        try await withApp(.live, environment: environment) { client, runtime in
            let alice = try await client.session(Demo.alice)
            if allowed {
                let socket = try await client.openSocket(token: alice.access, runtime: runtime, origin: origin)
                #expect(socket.outcome == nil)
            } else {
                let socket = try client.startSocket(token: alice.access, origin: origin)
                #expect(await socket.waitUntilConnected() == false)
                #expect(runtime.openSockets == 0)
            }
        }
    }

    // MARK: Who is told what

    /// One row of the recipient table, with Alice, Rahul and bystander Maria listening.
    enum Scenario: String, CaseIterable, Sendable {
        case interestCreated, interestAccepted, interestAcceptedAgain, pendingInterestDeletedBySender
        case acceptedInterestDeletedByRecipient, chatMessageBySender, chatMessageByRecipient, userDeletedByAdmin

        /// Done before the sockets open; returns the interest the action works on.
        func prepare(_ client: any TestClientProtocol, _ cast: Cast) async throws -> Int64 {
            switch self {
            case .interestCreated:
                return 0
            case .interestAccepted, .pendingInterestDeletedBySender, .chatMessageBySender, .chatMessageByRecipient:
                return try await client.sendInterest(from: cast.alice, to: cast.rahul)
            case .interestAcceptedAgain, .acceptedInterestDeletedByRecipient:
                let id = try await client.sendInterest(from: cast.alice, to: cast.rahul)
                try await client.acceptInterest(id, by: cast.rahul)
                return id
            case .userDeletedByAdmin:
                // Rahul has an interest with Alice and one with Maria.
                let id = try await client.sendInterest(from: cast.alice, to: cast.rahul)
                try await client.sendInterest(from: cast.rahul, to: cast.maria)
                return id
            }
        }

        func act(_ client: any TestClientProtocol, _ cast: Cast, _ interest: Int64) async throws {
            switch self {
            case .interestCreated: try await client.sendInterest(from: cast.alice, to: cast.rahul)
            case .interestAccepted, .interestAcceptedAgain: try await client.acceptInterest(interest, by: cast.rahul)
            case .pendingInterestDeletedBySender: try await client.deleteInterest(interest, by: cast.alice)
            case .acceptedInterestDeletedByRecipient: try await client.deleteInterest(interest, by: cast.rahul)
            case .chatMessageBySender: try await client.postMessage("hi Rahul", in: interest, by: cast.alice)
            case .chatMessageByRecipient: try await client.postMessage("hi Alice", in: interest, by: cast.rahul)
            case .userDeletedByAdmin: try await client.adminDeletes(cast.rahul)
            }
        }

        /// The frames each listener gets; nil: that user has no socket (Rahul, once deleted).
        var expected: (alice: [String], rahul: [String]?, maria: [String]) {
            let ui = [Frame.updateInterest], uc = [Frame.updateChat]
            return switch self {
            case .interestCreated, .interestAccepted, .interestAcceptedAgain, .pendingInterestDeletedBySender,
                 .acceptedInterestDeletedByRecipient:
                (ui, ui, [])
            case .chatMessageBySender: ([], uc, [])
            case .chatMessageByRecipient: (uc, [], [])
            case .userDeletedByAdmin: (ui, nil, ui)
            }
        }
    }

    @Test(arguments: Scenario.allCases)
    func notificationsReachExactlyTheirRecipients(_ scenario: Scenario) async throws {
        try await withApp(.live) { client, runtime in
            let cast = try await client.cast()
            let interest = try await scenario.prepare(client, cast)
            let expected = scenario.expected
            let alice = try await client.openSocket(token: cast.alice.access, runtime: runtime)
            let maria = try await client.openSocket(token: cast.maria.access, runtime: runtime)
            let rahul = expected.rahul == nil ? nil : try await client.openSocket(token: cast.rahul.access, runtime: runtime)

            try await scenario.act(client, cast, interest)

            var expectations: [(name: String, socket: SocketClient, frames: [String])] = [("alice", alice, expected.alice), ("maria", maria, expected.maria)]
            if let rahul, let frames = expected.rahul { expectations.append(("rahul", rahul, frames)) }
            await expectFrames(expectations)
        }
    }

    @Test func everySocketOfAUserGetsEveryNotification() async throws {
        try await withApp(.live) { client, runtime in
            let cast = try await client.cast()
            let first = try await client.openSocket(token: cast.rahul.access, runtime: runtime)
            let second = try await client.openSocket(token: cast.rahul.access, runtime: runtime)
            let alice = try await client.openSocket(token: cast.alice.access, runtime: runtime)

            let interest = try await client.sendInterest(from: cast.alice, to: cast.rahul)
            try await client.postMessage("hello", in: interest, by: cast.alice)
            let both = [Frame.updateInterest, Frame.updateChat]
            await expectFrames([("first", first, both), ("second", second, both), ("alice", alice, [Frame.updateInterest])])

            // A closed socket is unsubscribed; the other one still gets everything.
            await first.close()
            #expect(await eventually { runtime.openSockets == 2 })
            try await client.postMessage("again", in: interest, by: cast.alice)
            await expectFrames([("first", first, both), ("second", second, both + [Frame.updateChat])])
        }
    }

    // MARK: Client frames

    @Test func framesOnTheNotificationStreamAreIgnored() async throws {
        try await withApp(.live) { client, runtime in
            let cast = try await client.cast()
            let alice = try await client.openSocket(token: cast.alice.access, runtime: runtime)
            let rahul = try await client.openSocket(token: cast.rahul.access, runtime: runtime)
            for payload in [#"{"message": "UPDATE_INTEREST"}"#, #""text""#, "[1, 2]", "null", "42"] {
                alice.send(#"{"stream": "notification_stream", "payload": \#(payload)}"#)
            }
            await expectFrames([("alice", alice, []), ("rahul", rahul, [])])
            #expect(alice.outcome == nil)

            // Still listening.
            try await client.sendInterest(from: cast.rahul, to: cast.alice)
            await expectFrames([("alice", alice, [Frame.updateInterest]), ("rahul", rahul, [Frame.updateInterest])])
        }
    }

    /// D8: malformed frames get an error frame and the socket stays open.
    enum MalformedFrame: String, CaseIterable, Sendable {
        case noStream, noPayload, streamNotAString, unknownStream, chatStreamWithoutType, chatStreamUnknownType, chatStreamBadSince
        case chatStreamPayloadNotObject, notJSON, jsonArray, jsonString, binary

        func send(on socket: SocketClient) {
            switch self {
            case .noStream: socket.send(#"{"payload": {"message": "hi"}}"#)
            case .noPayload: socket.send(#"{"stream": "notification_stream"}"#)
            case .streamNotAString: socket.send(#"{"stream": 1, "payload": {}}"#)
            case .unknownStream: socket.send(#"{"stream": "group_stream", "payload": {"message": "hi"}}"#)
            case .chatStreamWithoutType: socket.send(#"{"stream": "chat_stream", "payload": {"message": "hi"}}"#)
            case .chatStreamUnknownType: socket.send(#"{"stream": "chat_stream", "payload": {"type": "unsubscribe"}}"#)
            case .chatStreamBadSince: socket.send(#"{"stream": "chat_stream", "payload": {"type": "subscribe", "since": -1}}"#)
            case .chatStreamPayloadNotObject: socket.send(#"{"stream": "chat_stream", "payload": [1]}"#)
            case .notJSON: socket.send("hello there")
            case .jsonArray: socket.send(#"[{"stream": "notification_stream", "payload": {}}]"#)
            case .jsonString: socket.send(#""notification_stream""#)
            case .binary: socket.send(binary: Array(#"{"stream": "notification_stream", "payload": {}}"#.utf8))
            }
        }

        var message: String {
            switch self {
            case .noStream, .noPayload, .streamNotAString: #"Frames must have a "stream" and a "payload"."#
            case .unknownStream: #"Unknown stream "group_stream"."#
            case .chatStreamWithoutType: #"A chat_stream payload needs a "type"."#
            case .chatStreamUnknownType: #"Unknown chat_stream type "unsubscribe"; send one of "subscribe", "read", "typing"."#
            case .chatStreamBadSince: #""since" is a seq: a whole number, 0 or more."#
            case .chatStreamPayloadNotObject: "A chat_stream payload is a JSON object."
            case .notJSON: "Frames must be JSON text."
            case .jsonArray, .jsonString: #"Frames must be JSON objects with "stream" and "payload"."#
            case .binary: "Binary frames are not supported; send JSON text frames."
            }
        }
    }

    @Test(arguments: MalformedFrame.allCases)
    func malformedFramesGetAnErrorFrameAndTheSocketStaysOpen(_ frame: MalformedFrame) async throws {
        try await withApp(.live) { client, runtime in
            let cast = try await client.cast()
            let alice = try await client.openSocket(token: cast.alice.access, runtime: runtime)
            let rahul = try await client.openSocket(token: cast.rahul.access, runtime: runtime)
            frame.send(on: alice)
            let error = #"{"stream": "error", "payload": {"message": "# + jsonEscaped(frame.message) + "}}"
            await expectFrames([("alice", alice, [error]), ("rahul", rahul, [])])
            #expect(alice.outcome == nil)

            try await client.sendInterest(from: cast.rahul, to: cast.alice)
            await expectFrames([("alice", alice, [error, Frame.updateInterest]), ("rahul", rahul, [Frame.updateInterest])])
            #expect(runtime.openSockets == 2)
        }
    }

    /// Frames up to SWIFTCHAT_WS_MAX_FRAME_SIZE are read; a larger one closes with 1009.
    @Test(arguments: [(1000, false), (2000, true)])
    func oversizedFramesCloseWith1009(_ size: Int, _ closes: Bool) async throws {
        try await withApp(.live, environment: ["SWIFTCHAT_WS_MAX_FRAME_SIZE": "1024"]) { client, runtime in
            let alice = try await client.session(Demo.alice)
            let socket = try await client.openSocket(token: alice.access, runtime: runtime)
            let prefix = #"{"stream": "notification_stream", "payload": ""#, suffix = #""}"#
            let frame = prefix + String(repeating: "x", count: size - prefix.utf8.count - suffix.utf8.count) + suffix
            #expect(frame.utf8.count == size)
            socket.send(frame)
            if closes {
                #expect(await socket.waitForEnd() == .closed(code: 1009))
                #expect(await eventually { runtime.openSockets == 0 })
            } else {
                #expect(await socket.frames(expecting: 0).isEmpty)
                #expect(socket.outcome == nil)
                #expect(runtime.openSockets == 1)
            }
        }
    }

    // MARK: Liveness

    @Test func aSilentSocketIsClosedAfterTheIdleTimeout() async throws {
        try await withApp(.live, environment: ["SWIFTCHAT_WS_IDLE_TIMEOUT": "1s"]) { client, runtime in
            let alice = try await client.session(Demo.alice)
            let socket = try await client.openSocket(token: alice.access, runtime: runtime)
            #expect(await socket.waitForEnd(within: .seconds(8)) == .closed(code: 1001))
            #expect(await eventually { runtime.openSockets == 0 })
        }
    }

    /// Any client frame counts as activity: a socket that keeps talking is never idle.
    @Test func aSocketThatKeepsSendingOutlivesTheIdleTimeout() async throws {
        // Margins a loaded machine keeps within: a frame every quarter second against a 3 s
        // timeout (a 1 s timeout with a frame every half second was closed in a full CI pass).
        try await withApp(.live, environment: ["SWIFTCHAT_WS_IDLE_TIMEOUT": "3s"]) { client, runtime in
            let cast = try await client.cast()
            let socket = try await client.openSocket(token: cast.alice.access, runtime: runtime)
            for _ in 1...20 {  // more than one and a half idle timeouts' worth, never silent for more than a twelfth of one
                socket.send(#"{"stream": "notification_stream", "payload": {}}"#)
                try await Task.sleep(for: .milliseconds(250))
            }
            #expect(socket.outcome == nil)
            try await client.sendInterest(from: cast.rahul, to: cast.alice)
            await expectFrames([("alice", socket, [Frame.updateInterest])])
        }
    }

    /// With server pings on, a client that answers them (but sends nothing else) stays usable,
    /// also past an idle timeout ("sent nothing, not even a pong").
    @Test(arguments: [[:], ["SWIFTCHAT_WS_IDLE_TIMEOUT": "2s"]])
    func aSocketAnsweringPingsStaysUsable(_ extra: [String: String]) async throws {
        // A pong has one ping period to arrive: a second, which a loaded machine's scheduling
        // delays stay within (half a second was seen to be too little in a full CI pass).
        let environment = extra.merging(["SWIFTCHAT_WS_PING_INTERVAL": "1s"]) { $1 }
        try await withApp(.live, environment: environment) { client, runtime in
            let cast = try await client.cast()
            let socket = try await client.openSocket(token: cast.alice.access, runtime: runtime)
            try await Task.sleep(for: .milliseconds(4500))  // several ping periods, and past the idle timeout
            #expect(socket.outcome == nil)
            try await client.sendInterest(from: cast.rahul, to: cast.alice)
            await expectFrames([("alice", socket, [Frame.updateInterest])])
            #expect(socket.outcome == nil)
        }
    }

    /// A socket whose queue fills faster than it is written is closed with 1013, and the
    /// publisher never waits for it.
    @Test func aSocketThatFallsBehindIsClosedWith1013() async throws {
        try await withApp(.live, environment: ["SWIFTCHAT_WS_QUEUE_LIMIT": "2"]) { client, runtime in
            let cast = try await client.cast()
            let slow = try await client.openSocket(token: cast.alice.access, runtime: runtime)
            let publications = 500
            for id in 1...publications {
                runtime.broker.subscribers.deliver(Publication(event: .interestChanged(InterestID(rawValue: Int64(id))), topics: [.user(UserID(rawValue: cast.alice.id))]))
            }
            #expect(await slow.waitForEnd() == .closed(code: 1013))
            let counters = runtime.broker.subscribers.counters.snapshot
            #expect(counters.overflowed >= 1)
            #expect(counters.delivered < publications)  // once closed, it is unsubscribed
            #expect(slow.texts.count <= counters.delivered)
            #expect(slow.texts.allSatisfy { $0 == Frame.updateInterest })
            #expect(await eventually { runtime.socketsClosedForOverflow == 1 && runtime.openSockets == 0 })

            // Others are unaffected.
            let rahul = try await client.openSocket(token: cast.rahul.access, runtime: runtime)
            try await client.sendInterest(from: cast.alice, to: cast.rahul)
            await expectFrames([("rahul", rahul, [Frame.updateInterest])])
        }
    }
}

/// A JSON string literal for `text` (quotes included).
func jsonEscaped(_ text: String) -> String {
    String(decoding: try! JSONSerialization.data(withJSONObject: text, options: [.fragmentsAllowed, .withoutEscapingSlashes]), as: UTF8.self)
}
