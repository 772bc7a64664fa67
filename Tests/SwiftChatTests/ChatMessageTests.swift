import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// Chat messages over REST: original-api.md section 5, D5, D6.
@Suite struct ChatMessageTests {
    static func messagesPath(_ interest: Int64) -> String { "/api/my_app/interests/\(interest)/chat_messages/" }

    /// Alice and Rahul with a pending interest between them.
    static func withPendingInterest(
        environment: [String: String] = [:], clock: TestClock? = nil,
        _ body: @escaping @Sendable (any TestClientProtocol, Cast, Int64, AppRuntime) async throws -> Void
    ) async throws {
        try await withApp(environment: environment, clock: clock) { client, runtime in
            let cast = try await client.cast()
            let interest = try await client.sendInterest(from: cast.alice, to: cast.rahul)
            try await body(client, cast, interest, runtime)
        }
    }

    /// Messages are posted at decreasing times, so id and created_at orders differ.
    @Test(arguments: [
        (nil, [0, 1, 2]), ("id", [0, 1, 2]), ("-id", [2, 1, 0]), ("created_at", [2, 1, 0]), ("-created_at", [0, 1, 2]),
    ] as [(String?, [Int])])
    func listIsOldestFirstUnlessOrderingSaysOtherwise(_ ordering: String?, _ order: [Int]) async throws {
        let clock = TestClock()
        try await Self.withPendingInterest(clock: clock) { client, cast, interest, _ in
            clock.advance(by: 1000)
            var posted: [String] = []
            for (index, text) in ["one", "two", "three"].enumerated() {
                let author = index == 1 ? cast.rahul : cast.alice
                let id = try await client.postMessage(text, in: interest, by: author)
                posted.append(messageWire(id, by: author, in: interest, text))
                clock.advance(by: -100)
            }
            let query = ordering.map { "?ordering=\($0)" } ?? ""
            for viewer in [cast.alice, cast.rahul] {
                let reply = try await client.call(.get, Self.messagesPath(interest) + query, token: viewer.access)
                #expect(reply.status == .ok)
                #expect(wireText(reply) == "[" + order.map { posted[$0] }.joined(separator: ",") + "]")
            }
        }
    }

    @Test func createAnswers201WithAnIntegerInterest() async throws {
        try await Self.withPendingInterest { client, cast, interest, runtime in
            let reply = try await client.call(.post, Self.messagesPath(interest), json: #"{"message": "Hello Rahul"}"#, token: cast.alice.access)
            #expect(reply.status == .created)
            let id = try leadingID(reply)
            // D5: `interest` is a JSON integer, not "1".
            #expect(wireText(reply) == messageWire(id, by: cast.alice, in: interest, "Hello Rahul"))

            // Retrieve answers the same object; the store holds it.
            let fetched = try await client.call(.get, Self.messagesPath(interest) + "\(id)/", token: cast.rahul.access)
            #expect(fetched.status == .ok)
            #expect(fetched.text == reply.text)
            let stored = try #require(try await runtime.store.message(id: ChatMessageID(rawValue: id)))
            #expect(stored.interestID?.rawValue == interest && stored.userID.rawValue == cast.alice.id && stored.message == "Hello Rahul")
        }
    }

    /// The original lets parties chat before the interest is accepted (kept as is).
    @Test func chattingOnAPendingInterestIsAllowedForBothParties() async throws {
        try await Self.withPendingInterest { client, cast, interest, runtime in
            #expect(try await runtime.store.interest(id: InterestID(rawValue: interest))?.isAccepted == false)
            for author in [cast.alice, cast.rahul] {
                let reply = try await client.call(.post, Self.messagesPath(interest), json: #"{"message": "hi"}"#, token: author.access)
                #expect(reply.status == .created)
            }
            #expect(try await runtime.store.messages(in: InterestID(rawValue: interest), ordering: .id).count == 2)
        }
    }

    @Test(arguments: [
        (#"{"message": ""}"#, fieldError("message", "This field may not be blank.")),
        (#"{"message": "   "}"#, fieldError("message", "This field may not be blank.")),
        (#"{"message": "\n\t "}"#, fieldError("message", "This field may not be blank.")),
        ("{}", fieldError("message", "This field is required.")),
    ])
    func blankOrMissingMessagesAreRefused(_ body: String, _ expected: String) async throws {
        try await Self.withPendingInterest { client, cast, interest, runtime in
            let reply = try await client.call(.post, Self.messagesPath(interest), json: body, token: cast.alice.access)
            #expect(reply.status == .badRequest)
            #expect(reply.text == expected)
            #expect(try await runtime.store.messages(in: InterestID(rawValue: interest), ordering: .id).isEmpty)
        }
    }

    /// The limit counts characters, not bytes: ten "é" fit in a limit of 10.
    @Test(arguments: [
        ("1234567890", true), (String(repeating: "\u{E9}", count: 10), true), ("12345678901", false),
        (String(repeating: "\u{E9}", count: 11), false),
    ])
    func configuredLengthLimit(_ text: String, _ fits: Bool) async throws {
        try await Self.withPendingInterest(environment: ["SWIFTCHAT_MAX_MESSAGE_LENGTH": "10"]) { client, cast, interest, runtime in
            try await Self.expectLengthCheck(client, cast, interest, runtime, text: text, fits: fits, limit: 10)
        }
    }

    @Test(arguments: [(10_000, true), (10_001, false)])
    func defaultLengthLimitIsTenThousand(_ length: Int, _ fits: Bool) async throws {
        try await Self.withPendingInterest { client, cast, interest, runtime in
            try await Self.expectLengthCheck(client, cast, interest, runtime, text: String(repeating: "x", count: length), fits: fits, limit: 10_000)
        }
    }

    static func expectLengthCheck(
        _ client: any TestClientProtocol, _ cast: Cast, _ interest: Int64, _ runtime: AppRuntime, text: String, fits: Bool, limit: Int
    ) async throws {
        let body = String(decoding: try JSONSerialization.data(withJSONObject: ["message": text]), as: UTF8.self)
        let reply = try await client.call(.post, messagesPath(interest), json: body, token: cast.alice.access)
        let stored = try await runtime.store.messages(in: InterestID(rawValue: interest), ordering: .id)
        if fits {
            #expect(reply.status == .created)
            #expect(stored.map(\.message) == [text])
        } else {
            #expect(reply.status == .badRequest)
            #expect(reply.text == fieldError("message", "Ensure this field has no more than \(limit) characters."))
            #expect(stored.isEmpty)
        }
    }

    @Test func retrieveNeedsTheMessageToBelongToTheInterest() async throws {
        try await Self.withPendingInterest { client, cast, interest, _ in
            let other = try await client.sendInterest(from: cast.alice, to: cast.maria)
            let mine = try await client.postMessage("in the first", in: interest, by: cast.alice)
            let elsewhere = try await client.postMessage("in the second", in: other, by: cast.alice)

            let ok = try await client.call(.get, Self.messagesPath(interest) + "\(mine)/", token: cast.alice.access)
            #expect(ok.status == .ok)
            #expect(wireText(ok) == messageWire(mine, by: cast.alice, in: interest, "in the first"))

            // Another interest's message, and an unknown id: 403, as the original.
            for messageID in [elsewhere, 99999] {
                let reply = try await client.call(.get, Self.messagesPath(interest) + "\(messageID)/", token: cast.alice.access)
                #expect(reply.status == .forbidden)
                #expect(reply.text == permissionDenied)
            }
        }
    }

    @Test(arguments: ["abc", "-1", "1.0", "x1"])
    func nonDigitMessageIdsGet400(_ badID: String) async throws {
        try await Self.withPendingInterest { client, cast, interest, _ in
            try await client.postMessage("hello", in: interest, by: cast.alice)
            let reply = try await client.call(.get, Self.messagesPath(interest) + "\(badID)/", token: cast.alice.access)
            #expect(reply.status == .badRequest)
            #expect(reply.text == #"{"detail":"chat_message_id is must be a int"}"#)
        }
    }

    @Test func nonPartiesCannotReadOrPost() async throws {
        try await Self.withPendingInterest { client, cast, interest, runtime in
            let message = try await client.postMessage("private", in: interest, by: cast.alice)
            let requests: [(HTTPRequest.Method, String, String?)] = [
                (.get, Self.messagesPath(interest), nil),
                (.post, Self.messagesPath(interest), #"{"message": "intruding"}"#),
                (.get, Self.messagesPath(interest) + "\(message)/", nil),
            ]
            for (method, path, body) in requests {
                let reply = try await client.call(method, path, json: body, token: cast.maria.access)
                #expect(reply.status == .forbidden, "\(method) \(path)")
                #expect(reply.text == permissionDenied)
            }
            #expect(try await runtime.store.messages(in: InterestID(rawValue: interest), ordering: .id).map(\.id.rawValue) == [message])
        }
    }
}
