import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer
@testable import SwiftChatSQLite

/// What an attacker would send (issue "Nothing a client sends can crash, stall or starve the
/// server"): each case gets a clear answer and leaves the server serving.
@Suite struct HostileInputTests {
    // MARK: JSON nesting

    enum DeepBody: String, CaseIterable {
        case arrays, objects, justTooDeep

        var text: String {
            switch self {
            case .arrays: String(repeating: "[", count: 70_000)
            case .objects: String(repeating: #"{"a":"#, count: 50_000)
            case .justTooDeep: String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
            }
        }

        /// Where the 129th level opens.
        var position: String { self == .objects ? "line 1 column 641 (char 640)" : "line 1 column 129 (char 128)" }
    }

    @Test("nesting at any depth gets a 400, never a crash", arguments: DeepBody.allCases)
    func deepNestingIsRefused(body: DeepBody) async throws {
        try await withApp { client, _ in
            let reply = try await client.call(.post, Routes.jwtVerify, json: body.text)
            #expect(reply.status == .badRequest)
            #expect(reply.text == #"{"detail":"JSON parse error - Nesting deeper than 128 levels: \#(body.position)"}"#)
            #expect(try await client.call(.get, "/health/").status == .ok)
        }
    }

    @Test("128 levels are still read as JSON")
    func nestingAtTheLimitIsAccepted() {
        let text = String(repeating: "[", count: 128) + String(repeating: "]", count: 128)
        #expect(PythonJSONError.problem(in: Array(text.utf8)) == nil)
        let deeper = String(repeating: "[", count: 129) + String(repeating: "]", count: 129)
        #expect(PythonJSONError.problem(in: Array(deeper.utf8)) == "Nesting deeper than 128 levels: line 1 column 129 (char 128)")
    }

    @Test("a deeply nested socket frame gets an error frame and the socket stays open")
    func deepNestingOnTheSocket() async throws {
        try await withApp(.live) { client, runtime in
            let cast = try await client.cast()
            let socket = try await client.openSocket(token: cast.alice.access, runtime: runtime)
            socket.send(String(repeating: "[", count: 60_000))
            let frames = await socket.frames(expecting: 1)
            #expect(frames == [NotificationSocketHandler.errorFrame("Frames must be JSON text.")])
            #expect(socket.isConnected)
            #expect(await socket.close() == .closed(code: 1000))
        }
    }

    // MARK: multipart

    @Test("multipart boundaries longer than 70 characters are refused")
    func longBoundariesAreRefused() async throws {
        try await withApp { client, _ in
            for (length, status) in [(70, HTTPResponse.Status.created), (71, .badRequest), (16_384, .badRequest)] {
                let boundary = String(repeating: "b", count: length)
                let body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"phone_number\"\r\n\r\n\(Demo.maria)\r\n"
                    + "--\(boundary)\r\nContent-Disposition: form-data; name=\"otp_for\"\r\n\r\nA\r\n--\(boundary)--\r\n"
                let reply = try await client.call(
                    .post, Routes.otpGenerate, json: body, headers: [.contentType: "multipart/form-data; boundary=\(boundary)"])
                #expect(reply.status == status, "boundary of \(length)")
                if status == .badRequest {
                    #expect(reply.json == expectedJSON(
                        #"{"detail": "Multipart form parse error - Invalid boundary in multipart: a boundary is 1 to 70 printable ASCII characters"}"#))
                }
            }
        }
    }

    /// A body made of near-matches of its boundary: the old parser compared the boundary at
    /// every byte (hours for this body); one pass takes well under a second.
    @Test("a body of near-boundaries is parsed in one pass", .timeLimit(.minutes(1)))
    func nearBoundariesAreLinear() throws {
        let boundary = String(repeating: "a", count: 70)
        let filler = String(repeating: "-", count: 2) + String(repeating: "a", count: 69) + "\r\n"
        let body = "--\(boundary)\r\nContent-Disposition: form-data; name=\"x\"\r\n\r\n"
            + String(repeating: filler, count: 1_000_000 / filler.utf8.count) + "\r\n--\(boundary)--\r\n"
        let fields = try MultipartForm.fields(Data(body.utf8), contentType: "multipart/form-data; boundary=\(boundary)")
        #expect(fields.count == 1)
    }

    @Test("a truncated multipart body is refused")
    func truncatedMultipart() async throws {
        try await withApp { client, _ in
            let reply = try await client.call(
                .post, Routes.otpGenerate, json: "--xyz\r\nContent-Disposition: form-data; name=\"phone_number\"\r\n\r\n+9187",
                headers: [.contentType: "multipart/form-data; boundary=xyz"])
            #expect(reply.status == .badRequest)
            #expect(reply.json == expectedJSON(#"{"detail": "Multipart form parse error - no parts"}"#))
        }
    }

    // MARK: NUL characters

    @Test("NUL is refused in every text field, with DRF's message")
    func nulIsRefused() async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            let interest = try await client.sendInterest(from: cast.alice, to: cast.rahul)
            try await client.acceptInterest(interest, by: cast.rahul)
            let message = try await client.call(
                .post, "/api/my_app/interests/\(interest)/chat_messages/", json: #"{"message": "\u0000x"}"#, token: cast.alice.access)
            #expect(message.status == .badRequest)
            #expect(message.text == #"{"message":["Null characters are not allowed."]}"#)
            let listed = try await client.call(.get, "/api/my_app/interests/\(interest)/chat_messages/", token: cast.alice.access)
            #expect(listed.text == "[]", "nothing was stored")

            let email = try await client.call(.patch, Routes.me, json: #"{"email": "a\u0000@x.com"}"#, token: cast.alice.access)
            #expect(email.status == .badRequest)
            #expect(email.text == #"{"email":["Null characters are not allowed."]}"#)
            let name = try await client.call(.patch, Routes.me, json: #"{"first_name": "A\u0000"}"#, token: cast.alice.access)
            #expect(name.text == #"{"first_name":["Null characters are not allowed."]}"#)
            let phone = try await client.call(.post, Routes.otpGenerate, json: #"{"phone_number": "+91\u00007809772989", "otp_for": "A"}"#)
            #expect(phone.text == #"{"phone_number":["Null characters are not allowed."]}"#)
            let search = try await client.call(.get, "/api/my_app/interests/?search=a%00b", token: cast.alice.access)
            #expect(search.status == .badRequest)
        }
    }

    // MARK: passwords

    @Test("passwords bcrypt would cut are refused at registration", arguments: [
        (String(repeating: "p", count: 73), "Ensure this password has no more than 72 bytes in UTF-8."),
        (String(repeating: "é", count: 37), "Ensure this password has no more than 72 bytes in UTF-8."),
        ("secret\\u0000tail", "Null characters are not allowed."),
    ])
    func longPasswordsAreRefused(password: String, message: String) async throws {
        try await withApp { client, _ in
            let phone = freshPhone(1)
            let code = try await client.rawOTP(phone, for: "N")
            let reply = try await client.call(
                .post, Routes.users, json: #"{"phone_number": "\#(phone)", "password": "\#(password)", "otp": "\#(code)"}"#)
            #expect(reply.status == .badRequest)
            #expect(reply.text == #"{"password":["\#(message)"]}"#)
        }
    }

    @Test("a password longer than bcrypt reads never matches the one it begins with")
    func longPasswordsNeverMatch() async {
        let hasher = PasswordHasher(cost: 4)
        let stored = hasher.hashNow(String(repeating: "p", count: 72))
        #expect(await hasher.verify(String(repeating: "p", count: 72), against: stored))
        #expect(await hasher.verify(String(repeating: "p", count: 73), against: stored) == false)
    }

    // MARK: search

    @Test("search terms are bounded in count and length")
    func searchTermsAreBounded() async throws {
        try await withApp { client, _ in
            let alice = try await client.logIn(Demo.alice)
            let ten = (1...10).map { "t\($0)" }.joined(separator: "%20")
            #expect(try await client.call(.get, "/api/my_app/interests/?search=\(ten)", token: alice.access).status == .ok)
            let eleven = try await client.call(.get, "/api/my_app/interests/?search=\(ten)%20t11", token: alice.access)
            #expect(eleven.status == .badRequest)
            #expect(eleven.text == #"{"detail":"A search takes at most 10 words."}"#)
            let long = try await client.call(.get, "/api/my_app/interests/?search=\(String(repeating: "x", count: 101))", token: alice.access)
            #expect(long.text == #"{"detail":"A search word has at most 100 characters."}"#)
        }
    }

    // MARK: write throttles and socket cap

    @Test("chat messages and interest changes are throttled per user")
    func writesAreThrottledPerUser() async throws {
        let environment = ["SWIFTCHAT_MESSAGE_RATE_PER_USER": "2", "SWIFTCHAT_INTEREST_RATE_PER_USER": "2"]
        try await withApp(environment: environment, clock: TestClock()) { client, _ in
            let cast = try await client.cast()
            let interest = try await client.sendInterest(from: cast.alice, to: cast.rahul)
            try await client.acceptInterest(interest, by: cast.rahul)
            for text in ["one", "two"] { _ = try await client.postMessage(text, in: interest, by: cast.alice) }
            let third = try await client.call(
                .post, "/api/my_app/interests/\(interest)/chat_messages/", json: #"{"message": "three"}"#, token: cast.alice.access)
            #expect(third.status == .tooManyRequests)
            #expect(third.headers[.retryAfter] == "60")
            #expect(try await client.postMessage("from rahul", in: interest, by: cast.rahul) > 0, "another user has a budget of their own")

            _ = try await client.sendInterest(from: cast.alice, to: cast.maria)
            let chen = try await client.session(Demo.chen)
            let onceMore = try await client.call(.post, "/api/my_app/interests/", json: #"{"sent_to": \#(chen.id)}"#, token: cast.alice.access)
            #expect(onceMore.status == .tooManyRequests)
        }
    }

    @Test("one socket more than a user may have is refused with 429 at the handshake")
    func socketsPerUserAreCapped() async throws {
        try await withApp(.live, environment: ["SWIFTCHAT_WS_MAX_SOCKETS_PER_USER": "1"]) { client, runtime in
            let cast = try await client.cast()
            let first = try await client.openSocket(token: cast.alice.access, runtime: runtime)
            let refused = try await client.rawUpgrade(token: cast.alice.access)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.text == #"{"detail":"Too many open sockets for this user: close one first."}"#)
            #expect(first.isConnected)
            let other = try await client.openSocket(token: cast.rahul.access, runtime: runtime)
            #expect(other.isConnected, "the cap is per user")
            _ = await first.close()
            #expect(await eventually { runtime.openSockets == 1 })
            let again = try await client.openSocket(token: cast.alice.access, runtime: runtime)
            #expect(again.isConnected, "a closed socket gives its place back")
        }
    }

    /// Two handshakes that both pass the gate's check race for the last place; the socket's
    /// own count settles it, closing the loser with 1008.
    @Test("the socket count itself refuses one over the cap")
    func socketCountRefusesOverTheCap() {
        let counters = SocketCounters()
        #expect(counters.opened(by: 7, limit: 2))
        #expect(counters.opened(by: 7, limit: 2))
        #expect(counters.opened(by: 7, limit: 2) == false)
        #expect(counters.opened(by: 8, limit: 2), "another user")
        counters.closed(by: 7)
        #expect(counters.openCount(of: 7) == 1)
        #expect(counters.opened(by: 7, limit: 2))
        #expect(counters.open == 3)
    }

    // MARK: rate limiter keys

    @Test("the limiter keeps a bounded number of keys")
    func limiterKeysAreBounded() {
        let limiter = RateLimiter(limit: 5, window: 3600, maxKeys: 100)
        let now = Date()
        for index in 0..<10_000 { _ = limiter.hit("client-\(index)", now: now.addingTimeInterval(Double(index) / 1000)) }
        #expect(limiter.keyCount <= 100)
        #expect(limiter.hit("client-9999", now: now.addingTimeInterval(10)) == nil, "the newest keys are the ones kept")
    }

    @Test("trusted-proxy headers count only from the configured proxies", arguments: [
        ("127.0.0.1", true), ("10.0.0.1", false), ("127.0.0.0/8", true), ("::1,192.0.2.0/24", false),
    ])
    func proxyHeadersNeedATrustedPeer(proxies: String, believed: Bool) async throws {
        let environment = ["SWIFTCHAT_TRUST_PROXY": "true", "SWIFTCHAT_TRUSTED_PROXIES": proxies, "SWIFTCHAT_OTP_RATE_PER_CLIENT": "1"]
        try await withApp(.live, environment: environment) { client, _ in
            let first = try await client.requestOTP(Demo.alice, headers: [.xRealIP: "198.51.100.1"])
            #expect(first.status == .created)
            let second = try await client.requestOTP(Demo.rahul, headers: [.xRealIP: "198.51.100.2"])
            #expect(second.status == (believed ? .created : .tooManyRequests))
            // A header that is no address counts as the peer: its one request, then 429.
            let junk: HTTPFields = [.xRealIP: String(repeating: "x", count: 5000)]
            if believed { #expect(try await client.requestOTP(Demo.maria, headers: junk).status == .created) }
            #expect(try await client.requestOTP(Demo.chen, headers: junk).status == .tooManyRequests)
        }
    }

    // MARK: files

    @Test("the SQLite folder it makes is 0700 and the database files 0600")
    func databaseFilesArePrivate() async throws {
        try await withTemporaryDirectory { folder in
            let path = folder.appendingPathComponent("data/chat.sqlite3").path
            let store = try SQLiteStore(path: path)
            try await store.migrate()
            func mode(_ path: String) throws -> Int {
                try #require(FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
            }
            #expect(try mode(folder.appendingPathComponent("data").path) == 0o700)
            for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
                #expect(try mode(file) == 0o600, "\(file)")
            }
            await store.close()
        }
    }
}

/// What the server logs about hostile clients: a refused handshake is routine, not an error.
@Suite struct HostileInputLoggingTests {
    @Test("a refused WebSocket handshake is logged at debug, never as an error")
    func refusedHandshakesAreQuiet() async throws {
        let logs = LogRecorder()
        try await withTemporaryDirectory { folder in
            // The test client's own connection waits for its first request while the handshakes
            // run; on a loaded machine that took longer than the default head deadline.
            let settings = try testSettings(folder: folder, environment: ["SWIFTCHAT_HTTP_HEAD_TIMEOUT": "120s"])
            let (app, runtime) = try await buildApplication(settings: settings, logger: logs.logger)
            try await app.test(.live) { client throws in
                for token in ["not-a-jwt", ""] {
                    let refused = try await client.rawUpgrade(token: token)
                    #expect(refused.status == .forbidden)
                }
                let health = try await client.call(.get, "/health/")
                #expect(health.status == .ok)
            }
            await runtime.shutdown()
        }
        let errors = logs.all.filter { $0.level >= .error }.map(\.text)
        #expect(errors.isEmpty, "\(errors)")
        #expect(logs.all.contains { $0.level == .debug && $0.text.hasPrefix("connection answered by the handshake gate") })
    }
}
