import Foundation
import HTTPTypes
import Testing
@testable import SwiftChatServer

/// Trailing slashes, 404/405, JSON-only errors, CORS and health (original-api.md section 1,
/// deviations D1, D2 and D13).
@Suite("HTTP conventions")
struct HTTPConventionTests {
    @Test("a GET without the trailing slash is redirected (301) to the slashed path, query kept", arguments: [
        ("/api/core/user", "/api/core/user/"),
        ("/api/core/user/me", "/api/core/user/me/"),
        ("/api/core", "/api/core/"),
        ("/api/core/user/3", "/api/core/user/3/"),
        ("/api/my_app/interests", "/api/my_app/interests/"),
        ("/api/core/user?search=al&x=1", "/api/core/user/?search=al&x=1"),
        ("/api/otp/gen/phone_number", "/api/otp/gen/phone_number/"),
    ])
    func slashlessGetRedirects(path: String, location: String) async throws {
        try await withApp { client, _ in
            let reply = try await client.call(.get, path)
            #expect(reply.status == .movedPermanently)
            #expect(reply.headers[.location] == location)
        }
    }

    enum SlashlessWrite: String, CaseIterable, Sendable {
        case postOTP, putMe, patchMe, deleteUser, postJWT
    }

    @Test("D1: POST, PUT, PATCH and DELETE without the slash are served like the slashed path", arguments: SlashlessWrite.allCases)
    func slashlessWritesAreServed(write: SlashlessWrite) async throws {
        try await withApp { client, runtime in
            let reply: Reply
            switch write {
            case .postOTP:
                reply = try await client.call(.post, "/api/otp/gen/phone_number", json: #"{"phone_number": "\#(freshPhone(1))", "otp_for": "A"}"#)
                #expect(reply.status == .created)
                #expect(reply.dictionary["status"] as? String == "Ok")
            case .putMe, .patchMe:
                let alice = try await client.logIn(Demo.alice)
                reply = try await client.call(write == .putMe ? .put : .patch, "/api/core/user/me", json: #"{"first_name": "Al"}"#, token: alice.access)
                #expect(reply.status == .ok)
                #expect(reply.dictionary["first_name"] as? String == "Al")
            case .deleteUser:
                let john = try #require(try await runtime.store.user(phoneNumber: Demo.john))
                reply = try await client.call(.delete, "/api/core/user/\(john.id)", token: try await client.adminAccess())
                #expect(reply.status == .noContent)
                #expect(try await runtime.store.user(id: john.id) == nil)
            case .postJWT:
                reply = try await client.call(
                    .post, "/api/auth/jwt/create", json: #"{"phone_number": "\#(Demo.admin)", "password": "\#(Demo.adminPassword)"}"#)
                #expect(reply.status == .ok)
                #expect(Set(reply.dictionary.keys) == ["refresh", "access"])
            }
        }
    }

    @Test("D2/D13: an unknown route is a JSON 404", arguments: [
        "/nope/", "/nope", "/api/", "/api/core/nothing/", "/api/core/user/me/extra/", "/chat/", "/chat/lobby/alice",
    ])
    func unknownRoute(path: String) async throws {
        try await withApp { client, _ in
            for method in [HTTPRequest.Method.get, .post] {
                let reply = try await client.call(method, path)
                #expect(reply.status == .notFound, "\(method) \(path)")
                #expect(reply.json == expectedJSON(#"{"detail": "Not found."}"#))
                #expect(reply.headers[.contentType] == "application/json")
            }
        }
    }

    @Test("D2: a known route with another method is a JSON 405 with Allow", arguments: [
        (HTTPRequest.Method.patch, "/api/otp/gen/phone_number/"),
        (.get, "/api/otp/gen/phone_number/"),
        (.delete, "/api/auth/jwt/create/"),
        (.put, "/api/otp/auth/"),
        (.post, "/api/core/"),
    ])
    func wrongMethod(method: HTTPRequest.Method, path: String) async throws {
        try await withApp { client, _ in
            let reply = try await client.call(method, path)
            #expect(reply.status == .methodNotAllowed)
            #expect(reply.json == .object([("detail", .string("Method \"\(method.rawValue)\" not allowed."))]))
            #expect(reply.headers[.allow]?.contains("OPTIONS") == true)
        }
    }

    @Test("a wrong method on a protected route is a 405 for a logged-in caller")
    func wrongMethodWithCredentials() async throws {
        try await withApp { client, _ in
            let alice = try await client.logIn(Demo.alice)
            let reply = try await client.call(.post, Routes.me, json: "{}", token: alice.access)
            #expect(reply.status == .methodNotAllowed)
            #expect(reply.json == expectedJSON(#"{"detail": "Method \"POST\" not allowed."}"#))
        }
    }

    @Test("as in DRF, a wrong method on a protected route without credentials is a 401 first", arguments: [
        (HTTPRequest.Method.post, "/api/core/user/me/"),
        (.patch, "/api/my_app/interests/1/"),
        (.put, "/api/my_app/interests/1/chat_messages/1/"),
    ])
    func wrongMethodWithoutCredentials(method: HTTPRequest.Method, path: String) async throws {
        try await withApp { client, _ in
            let reply = try await client.call(method, path, json: "{}")
            #expect(reply.status == .unauthorized)
            #expect(reply.json == expectedJSON(#"{"detail": "Authentication credentials were not provided."}"#))
        }
    }

    @Test("D2: errors are JSON even when the client asks for HTML", arguments: [
        (HTTPRequest.Method.get, "/nope/", nil),
        (.patch, "/api/otp/gen/phone_number/", nil),
        (.get, "/api/core/user/", nil),
        (.post, "/api/otp/gen/phone_number/", "{"),
        (.post, "/api/otp/auth/", "{}"),
    ] as [(HTTPRequest.Method, String, String?)])
    func neverHTML(method: HTTPRequest.Method, path: String, body: String?) async throws {
        try await withApp { client, _ in
            let reply = try await client.call(method, path, json: body, headers: [.accept: "text/html,application/xhtml+xml"])
            #expect(reply.status.code >= 400)
            #expect(reply.headers[.contentType] == "application/json")
            #expect(reply.json != nil, "\(reply.text)")
            #expect(!reply.text.lowercased().contains("<html"))
        }
    }

    @Test("an unsupported body type is a JSON 415")
    func unsupportedMediaType() async throws {
        try await withApp { client, _ in
            let reply = try await client.call(
                .post, Routes.otpGenerate, json: "phone_number", headers: [.contentType: "text/plain; charset=utf-8"])
            #expect(reply.status == .unsupportedMediaType)
            #expect(reply.json == expectedJSON(#"{"detail": "Unsupported media type \"text/plain\" in request."}"#))
        }
    }

    @Test("CORS: an allowed origin is echoed on a preflight with authorization allowed; another origin gets nothing",
          arguments: [("http://localhost:5003", true), ("http://evil.example", false)])
    func corsPreflight(origin: String, allowed: Bool) async throws {
        try await withApp(environment: ["CORS_ALLOWED_ORIGINS": "http://localhost:5003,https://chat.example.com"]) { client, _ in
            let preflight = try await client.call(.options, Routes.otpGenerate, headers: [
                .origin: origin, .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "authorization, content-type",
            ])
            let actual = try await client.requestOTP(freshPhone(1), headers: [.origin: origin])
            #expect(actual.status == .created)
            if allowed {
                #expect(preflight.status == .ok)
                #expect(preflight.headers[.accessControlAllowOrigin] == origin)
                let allowedHeaders = preflight.headers[.accessControlAllowHeaders] ?? ""
                #expect(allowedHeaders.contains("authorization"))
                #expect(allowedHeaders.contains("ngrok-skip-browser-warning"))
                #expect(preflight.headers[.accessControlAllowMethods]?.contains("POST") == true)
                #expect(actual.headers[.accessControlAllowOrigin] == origin)
            } else {
                #expect(preflight.headers[.accessControlAllowOrigin] == nil)
                #expect(actual.headers[.accessControlAllowOrigin] == nil)
            }
        }
    }

    @Test("CORS is off when CORS_ALLOWED_ORIGINS is empty")
    func corsOffByDefault() async throws {
        try await withApp { client, _ in
            let reply = try await client.call(.get, "/api/core/", headers: [.origin: "http://localhost:5003"])
            #expect(reply.status == .ok)
            #expect(reply.headers[.accessControlAllowOrigin] == nil)
        }
    }

    @Test("the health route answers 200 with and without the slash", arguments: ["/health/", "/health"])
    func health(path: String) async throws {
        try await withApp { client, _ in
            let reply = try await client.call(.get, path)
            #expect(reply.status == .ok)
            #expect(reply.dictionary["status"] as? String == "ok")
            #expect(reply.dictionary["broker"] as? String == (TestBackends.appsRunOnProduction ? "connected" : "in-process"))
        }
    }
}
