import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// Details where the original's answer is matched closely (error texts, CORS on errors, check
/// order) and the limits that keep one client from exhausting the server.
@Suite struct HardeningTests {
    /// Each message is what Python's `json.loads` says for the same text.
    @Test("malformed JSON gets Python's own message", arguments: [
        ("{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        (#"{"phone_number": }"#, "Expecting value: line 1 column 18 (char 17)"),
        ("not json", "Expecting value: line 1 column 1 (char 0)"),
        (#"{"a": 1,}"#, "Expecting property name enclosed in double quotes: line 1 column 9 (char 8)"),
        (#"{"a" 1}"#, "Expecting ':' delimiter: line 1 column 6 (char 5)"),
        (#"{"a": "x"#, "Unterminated string starting at: line 1 column 7 (char 6)"),
        ("[1 2]", "Expecting ',' delimiter: line 1 column 4 (char 3)"),
        (#"{"a": 1} x"#, "Extra data: line 1 column 10 (char 9)"),
        ("\n\n  {\"a\": tru}", "Expecting value: line 3 column 9 (char 10)"),
        (#"{"é": }"#, "Expecting value: line 1 column 7 (char 6)"),
    ])
    func malformedJSONMessages(body: String, message: String) async throws {
        try await withApp { client, _ in
            let reply = try await client.call(.post, "/api/otp/auth/", json: body)
            #expect(reply.status == .badRequest)
            #expect(reply.json == .object([("detail", .string("JSON parse error - " + message))]))
        }
    }

    @Test("error answers carry the CORS headers too", arguments: [
        (HTTPRequest.Method.post, "/api/otp/auth/", Optional("{}"), HTTPResponse.Status.badRequest),
        (.get, "/api/core/user/me/", nil, .unauthorized),
        (.get, "/api/nope/", nil, .notFound),
    ])
    func corsOnErrors(method: HTTPRequest.Method, path: String, body: String?, status: HTTPResponse.Status) async throws {
        try await withApp(environment: ["CORS_ALLOWED_ORIGINS": "http://localhost:5003"]) { client, _ in
            let reply = try await client.call(method, path, json: body, headers: [.origin: "http://localhost:5003"])
            #expect(reply.status == status)
            #expect(reply.headers[.accessControlAllowOrigin] == "http://localhost:5003")
        }
    }

    @Test("a non-party posting a message gets 403 whatever the body")
    func nonPartyPostIsForbiddenBeforeValidation() async throws {
        try await withApp { client, _ in
            let alice = try await client.logIn(Demo.alice)
            let rahul = try await client.logIn(Demo.rahul)
            let chen = try await client.logIn(Demo.chen)
            let interest = try await client.call(.post, "/api/my_app/interests/", json: #"{"sent_to": \#(rahul.userID)}"#, token: alice.access)
            let id = try #require(interest.dictionary["id"] as? Int)
            for body in ["{}", "{", #"{"message": ""}"#] {
                let reply = try await client.call(.post, "/api/my_app/interests/\(id)/chat_messages/", json: body, token: chen.access)
                #expect(reply.status == .forbidden, "\(body)")
            }
        }
    }

    @Test("password logins are rate limited per client")
    func passwordLoginsAreThrottled() async throws {
        try await withApp(environment: ["SWIFTCHAT_PASSWORD_RATE_PER_CLIENT": "2"], clock: TestClock()) { client, _ in
            let body = #"{"phone_number": "\#(Demo.admin)", "password": "wrong"}"#
            for _ in 1...2 { #expect(try await client.call(.post, "/api/auth/jwt/create/", json: body).status == .unauthorized) }
            let throttled = try await client.call(.post, "/api/auth/jwt/create/", json: body)
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.headers[.retryAfter] == "3600")
            let registration = try await client.call(.post, "/api/core/user/", json: "{}")
            #expect(registration.status == .tooManyRequests, "registration shares the password budget")
        }
    }

    @Test("IPv6 clients are counted per /64, IPv4 ones per address, mapped or not", arguments: [
        ("2001:db8:1:2::5", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:1:2:3", "2001:db8:1:2::/64"),
        ("::1", "0:0:0:0::/64"),
        ("203.0.113.7", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),
        ("::ffff:198.51.100.1", "198.51.100.1"),
        ("not an address", "not an address"),
    ])
    func rateLimitKeys(address: String, key: String) {
        #expect(APIContext.rateLimitKey(address) == key)
    }

    @Test("durations beyond ten years stop startup instead of overflowing later")
    func hugeDurationsAreRefused() {
        #expect {
            try Settings.load(environment: ["SWIFTCHAT_ACCESS_TOKEN_LIFETIME": "1e300d"], readEnvFile: false)
        } throws: { "\($0)".contains("SWIFTCHAT_ACCESS_TOKEN_LIFETIME") }
    }

    @Test("a stored secret key is never replaced; a bad one stops startup")
    func storedSecretKeyIsNeverReplaced() async throws {
        try await withTemporaryDirectory { folder in
            let database = folder.appendingPathComponent("swiftchat.sqlite3").path
            try "short".write(to: folder.appendingPathComponent("secret_key"), atomically: true, encoding: .utf8)
            #expect(throws: ConfigurationError.self) {
                try SecretKeyFile.loadOrCreate(besideDatabase: database, logger: testLogger)
            }
            #expect(try String(contentsOf: folder.appendingPathComponent("secret_key"), encoding: .utf8) == "short")
        }
    }

    @Test("rate limit entries age out when purged")
    func rateLimiterPurges() {
        let limiter = RateLimiter(limit: 1, window: 60)
        let start = Date()
        #expect(limiter.hit("a", now: start) == nil)
        #expect(limiter.hit("a", now: start) != nil)
        limiter.purge(now: start.addingTimeInterval(61))
        #expect(limiter.hit("a", now: start.addingTimeInterval(61)) == nil)
    }

    @Test("multipart/form-data bodies are read like JSON ones; file parts are skipped")
    func multipartBodies() async throws {
        try await withApp { client, _ in
            let boundary = "----SwiftChatBoundaryAbC"
            func multipart(_ fields: [(String, String)], file: Bool = false) -> String {
                var body = ""
                for (name, value) in fields {
                    body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n"
                }
                if file {
                    body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"otp_for\"; filename=\"x.txt\"\r\n"
                        + "Content-Type: text/plain\r\n\r\nN\r\n"
                }
                return body + "--\(boundary)--\r\n"
            }
            let headers: HTTPFields = [.contentType: "multipart/form-data; boundary=\(boundary)"]
            let issued = try await client.call(
                .post, "/api/otp/gen/phone_number/", json: multipart([("phone_number", Demo.maria), ("otp_for", "A")]), headers: headers)
            #expect(issued.status == .created, "\(issued.text)")
            let code = try #require(issued.dictionary["raw_otp"] as? String)
            let login = try await client.call(
                .post, "/api/otp/auth/", json: multipart([("phone_number", Demo.maria), ("otp", code)]), headers: headers)
            #expect(login.status == .ok, "\(login.text)")
            // A file part is not a field: otp_for stays missing.
            let withFile = try await client.call(
                .post, "/api/otp/gen/phone_number/", json: multipart([("phone_number", Demo.chen)], file: true), headers: headers)
            #expect(withFile.json == expectedJSON(#"{"otp_for": ["This field is required."]}"#))
            let noBoundary = try await client.call(
                .post, "/api/otp/gen/phone_number/", json: "x", headers: [.contentType: "multipart/form-data"])
            #expect(noBoundary.status == .badRequest)
            #expect(noBoundary.json == expectedJSON(#"{"detail": "Multipart form parse error - Invalid boundary in multipart: None"}"#))
        }
    }
}
