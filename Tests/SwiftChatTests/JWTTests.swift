import SwiftChatCore
import Crypto
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// Reads and forges compact JWTs, independently of the server's code.
enum JWTText {
    /// The header and claims of a token, as JSON values.
    static func parts(_ token: String) -> (header: JSONValue, claims: JSONValue)? {
        let segments = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard segments.count == 3, let header = decode(segments[0]), let claims = decode(segments[1]) else { return nil }
        return (header, claims)
    }

    static func claims(_ token: String) -> JSONValue { parts(token)?.claims ?? .null }

    static func int(_ value: JSONValue?) -> Int64? {
        if case .int(let number) = value { return number }
        return nil
    }

    /// `header.claims.signature`, signed with HMAC-SHA256 under `key`, or unsigned when nil.
    static func forge(header: String, claims: String, key: String?) -> String {
        let signingInput = encode(Data(header.utf8)) + "." + encode(Data(claims.utf8))
        guard let key else { return signingInput + "." }
        let mac = HMAC<SHA256>.authenticationCode(for: Data(signingInput.utf8), using: SymmetricKey(data: Data(key.utf8)))
        return signingInput + "." + encode(Data(mac))
    }

    static func claimsJSON(type: String, userID: Int64, issuedAt: Date, lifetime: TimeInterval = 3600) -> String {
        let iat = Int64(issuedAt.timeIntervalSince1970)
        return #"{"token_type":"\#(type)","exp":\#(iat + Int64(lifetime)),"iat":\#(iat),"jti":"0123456789abcdef0123456789abcdef","user_id":\#(userID)}"#
    }

    static func encode(_ data: Data) -> String {
        data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    private static func decode(_ segment: String) -> JSONValue? {
        var base64 = segment.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        guard let data = Data(base64Encoded: base64) else { return nil }
        return try? JSONDecoder().decode(JSONValue.self, from: data)
    }
}

/// Tokens the API must refuse as an access token (original-api.md 2.1 and section 1).
enum BadAccessToken: String, CaseIterable, Sendable {
    case algNone, wrongSignature, rs256Header, es256Header, expired, refreshAsAccess, tamperedClaims, garbage

    /// Builds the token for `userID`; `expired` moves the clock past the access lifetime.
    func make(userID: Int64, valid: (access: String, refresh: String), secret: String, clock: TestClock) -> String {
        let claims = JWTText.claimsJSON(type: "access", userID: userID, issuedAt: clock.now)
        switch self {
        case .algNone: return JWTText.forge(header: #"{"alg":"none","typ":"JWT"}"#, claims: claims, key: nil)
        case .wrongSignature: return JWTText.forge(header: #"{"alg":"HS256","typ":"JWT"}"#, claims: claims, key: secret + "-not-it")
        // Algorithm confusion: the right HMAC under the server key, behind another algorithm's header.
        case .rs256Header: return JWTText.forge(header: #"{"alg":"RS256","typ":"JWT"}"#, claims: claims, key: secret)
        case .es256Header: return JWTText.forge(header: #"{"alg":"ES256","typ":"JWT"}"#, claims: claims, key: secret)
        case .expired:
            clock.advance(by: 21 * 86400)
            return valid.access
        case .refreshAsAccess: return valid.refresh
        case .tamperedClaims:
            let segments = valid.access.split(separator: ".").map(String.init)
            let other = JWTText.encode(Data(JWTText.claimsJSON(type: "access", userID: 1, issuedAt: clock.now).utf8))
            return [segments[0], other, segments[2]].joined(separator: ".")
        case .garbage: return "not-a-token"
        }
    }
}

@Suite("JWT")
struct JWTTests {
    static let invalidAccessToken = #"{"detail": "Given token not valid for any token type", "code": "token_not_valid", "messages": [{"token_class": "AccessToken", "token_type": "access", "message": "Token is invalid or expired"}]}"#
    static let invalidOrExpired = #"{"detail": "Token is invalid or expired", "code": "token_not_valid"}"#

    // MARK: Token shape

    @Test("tokens have simplejwt's header and claims, and the configured lifetimes", arguments: [
        ([:], 20 * 86400, 600 * 86400),
        (["SWIFTCHAT_ACCESS_TOKEN_LIFETIME": "5m"], 300, 600 * 86400),
        (["SWIFTCHAT_ACCESS_TOKEN_LIFETIME": "90s", "SWIFTCHAT_REFRESH_TOKEN_LIFETIME": "2h"], 90, 7200),
    ] as [([String: String], Int64, Int64)])
    func tokenShape(environment: [String: String], accessLifetime: Int64, refreshLifetime: Int64) async throws {
        let clock = TestClock()
        try await withApp(environment: environment, clock: clock) { client, _ in
            let alice = try await client.logIn(Demo.alice)
            let now = Int64(clock.now.timeIntervalSince1970)
            for (token, type, lifetime) in [(alice.access, "access", accessLifetime), (alice.refresh, "refresh", refreshLifetime)] {
                let (header, claims) = try #require(JWTText.parts(token))
                #expect(header == expectedJSON(#"{"alg": "HS256", "typ": "JWT"}"#))
                guard case .object(let pairs) = claims else {
                    Issue.record("claims are not an object")
                    continue
                }
                #expect(Set(pairs.map(\.0)) == ["token_type", "exp", "iat", "jti", "user_id"])
                #expect(claims["token_type"] == .string(type))
                #expect(claims["user_id"] == .int(alice.userID), "user_id must be a JSON integer")
                #expect(claims["iat"] == .int(now))
                #expect(claims["exp"] == .int(now + lifetime))
                guard case .string(let jti) = claims["jti"] else {
                    Issue.record("jti is not a string")
                    continue
                }
                #expect(jti.count == 32 && jti.allSatisfy { $0.isHexDigit && !$0.isUppercase })
            }
            #expect(JWTText.claims(alice.access)["jti"] != JWTText.claims(alice.refresh)["jti"])
        }
    }

    // MARK: /api/auth/jwt/create/

    @Test("jwt/create gives {refresh, access} for a user with a password")
    func createForAdmin() async throws {
        try await withApp { client, runtime in
            let reply = try await client.call(
                .post, Routes.jwtCreate, json: #"{"phone_number": "\#(Demo.admin)", "password": "\#(Demo.adminPassword)"}"#)
            #expect(reply.status == .ok)
            #expect(Set(reply.dictionary.keys) == ["refresh", "access"])
            let admin = try #require(try await runtime.store.user(phoneNumber: Demo.admin))
            let access = try #require(reply.dictionary["access"] as? String)
            #expect(JWTText.claims(access)["user_id"] == .int(admin.id.rawValue))
            #expect(JWTText.claims(try #require(reply.dictionary["refresh"] as? String))["token_type"] == .string("refresh"))
            #expect(try await client.call(.get, Routes.me, token: access).status == .ok)
        }
    }

    @Test("jwt/create refuses wrong credentials and passwordless accounts", arguments: [
        (Demo.admin, "nope"), (freshPhone(1), "whatever"), (Demo.alice, "whatever"),
    ])
    func createRefused(phone: String, password: String) async throws {
        try await withApp { client, _ in
            let reply = try await client.call(.post, Routes.jwtCreate, json: #"{"phone_number": "\#(phone)", "password": "\#(password)"}"#)
            #expect(reply.status == .unauthorized)
            #expect(reply.json == expectedJSON(#"{"detail": "No active account found with the given credentials"}"#))
            #expect(reply.headers[.wwwAuthenticate] == #"JWT realm="api""#)
        }
    }

    @Test("jwt/create requires both fields")
    func createMissingFields() async throws {
        try await withApp { client, _ in
            let reply = try await client.call(.post, Routes.jwtCreate, json: "{}")
            #expect(reply.status == .badRequest)
            #expect(reply.json == expectedJSON(#"{"phone_number": ["This field is required."], "password": ["This field is required."]}"#))
        }
    }

    // MARK: /api/auth/jwt/refresh/

    @Test("jwt/refresh gives a working access token that keeps the refresh token's iat")
    func refresh() async throws {
        let clock = TestClock()
        try await withApp(clock: clock) { client, _ in
            let alice = try await client.logIn(Demo.alice)
            clock.advance(by: 86400)
            let reply = try await client.call(.post, Routes.jwtRefresh, json: #"{"refresh": "\#(alice.refresh)"}"#)
            #expect(reply.status == .ok)
            #expect(Set(reply.dictionary.keys) == ["access"])
            let access = try #require(reply.dictionary["access"] as? String)
            let claims = JWTText.claims(access)
            #expect(claims["token_type"] == .string("access"))
            #expect(claims["user_id"] == .int(alice.userID))
            #expect(claims["iat"] == JWTText.claims(alice.refresh)["iat"])
            #expect(claims["exp"] == .int(Int64(clock.now.timeIntervalSince1970) + 20 * 86400))
            let me = try await client.call(.get, Routes.me, token: access)
            #expect(me.dictionary["id"] as? Int == Int(alice.userID))
        }
    }

    @Test("jwt/refresh refuses an access token as having the wrong type")
    func refreshWithAccessToken() async throws {
        try await withApp { client, _ in
            let alice = try await client.logIn(Demo.alice)
            let reply = try await client.call(.post, Routes.jwtRefresh, json: #"{"refresh": "\#(alice.access)"}"#)
            #expect(reply.status == .unauthorized)
            #expect(reply.json == expectedJSON(#"{"detail": "Token has wrong type", "code": "token_not_valid"}"#))
        }
    }

    @Test("jwt/refresh refuses garbage and an expired refresh token", arguments: [false, true])
    func refreshRefused(expired: Bool) async throws {
        let clock = TestClock()
        try await withApp(clock: clock) { client, _ in
            let alice = try await client.logIn(Demo.alice)
            var token = "not-a-token"
            if expired {
                clock.advance(by: 601 * 86400)
                token = alice.refresh
            }
            let reply = try await client.call(.post, Routes.jwtRefresh, json: #"{"refresh": "\#(token)"}"#)
            #expect(reply.status == .unauthorized)
            #expect(reply.json == expectedJSON(Self.invalidOrExpired))
        }
    }

    // MARK: /api/auth/jwt/verify/

    @Test("jwt/verify accepts valid access and refresh tokens with {}")
    func verifyValid() async throws {
        try await withApp { client, _ in
            let alice = try await client.logIn(Demo.alice)
            for token in [alice.access, alice.refresh] {
                let reply = try await client.call(.post, Routes.jwtVerify, json: #"{"token": "\#(token)"}"#)
                #expect(reply.status == .ok)
                #expect(reply.text == "{}")
            }
        }
    }

    @Test("jwt/verify refuses bad tokens", arguments: BadAccessToken.allCases.filter { $0 != .refreshAsAccess })
    func verifyRefused(bad: BadAccessToken) async throws {
        let clock = TestClock()
        try await withApp(clock: clock) { client, runtime in
            let alice = try await client.logIn(Demo.alice)
            let token = bad.make(userID: alice.userID, valid: (alice.access, alice.refresh), secret: try #require(runtime.settings.secretKey), clock: clock)
            let reply = try await client.call(.post, Routes.jwtVerify, json: #"{"token": "\#(token)"}"#)
            #expect(reply.status == .unauthorized)
            #expect(reply.json == expectedJSON(Self.invalidOrExpired))
        }
    }

    // MARK: Authentication on protected routes

    @Test("a token signed by hand with the server key is accepted (the forging helper is sound)")
    func handSignedTokenAccepted() async throws {
        let clock = TestClock()
        try await withApp(clock: clock) { client, runtime in
            let alice = try await client.logIn(Demo.alice)
            let secret = try #require(runtime.settings.secretKey)
            let token = JWTText.forge(
                header: #"{"alg":"HS256","typ":"JWT"}"#, claims: JWTText.claimsJSON(type: "access", userID: alice.userID, issuedAt: clock.now),
                key: secret)
            let me = try await client.call(.get, Routes.me, token: token)
            #expect(me.status == .ok)
            #expect(me.dictionary["id"] as? Int == Int(alice.userID))
        }
    }

    @Test("a protected route refuses the token with 401 token_not_valid", arguments: BadAccessToken.allCases)
    func protectedRouteRefuses(bad: BadAccessToken) async throws {
        let clock = TestClock()
        try await withApp(clock: clock) { client, runtime in
            let alice = try await client.logIn(Demo.alice)
            let token = bad.make(userID: alice.userID, valid: (alice.access, alice.refresh), secret: try #require(runtime.settings.secretKey), clock: clock)
            let reply = try await client.call(.get, Routes.me, token: token)
            #expect(reply.status == .unauthorized)
            #expect(reply.json == expectedJSON(Self.invalidAccessToken))
            #expect(reply.headers[.wwwAuthenticate] == #"JWT realm="api""#)
        }
    }

    @Test("an access token still inside its lifetime is accepted after 19 days")
    func accessTokenValidUntilExpiry() async throws {
        let clock = TestClock()
        try await withApp(clock: clock) { client, _ in
            let alice = try await client.logIn(Demo.alice)
            clock.advance(by: 19 * 86400)
            #expect(try await client.call(.get, Routes.me, token: alice.access).status == .ok)
        }
    }

    @Test("the tokens of a deleted user stop working")
    func deletedUser() async throws {
        try await withApp { client, _ in
            let alice = try await client.logIn(Demo.alice)
            let admin = try await client.adminAccess()
            let deleted = try await client.call(.delete, Routes.user(alice.userID), token: admin)
            #expect(deleted.status == .noContent)
            let me = try await client.call(.get, Routes.me, token: alice.access)
            #expect(me.status == .unauthorized)
            // simplejwt's JWTAuthentication.get_user: AuthenticationFailed("User not found", code="user_not_found").
            #expect(me.json == expectedJSON(#"{"detail": "User not found", "code": "user_not_found"}"#))
            #expect(me.headers[.wwwAuthenticate] == #"JWT realm="api""#)
            let refreshed = try await client.call(.post, Routes.jwtRefresh, json: #"{"refresh": "\#(alice.refresh)"}"#)
            #expect(refreshed.status == .unauthorized)
        }
    }

    @Test("D10: the Bearer scheme is accepted as well as JWT", arguments: ["JWT", "Bearer"])
    func acceptedSchemes(scheme: String) async throws {
        try await withApp { client, _ in
            let alice = try await client.logIn(Demo.alice)
            let me = try await client.call(.get, Routes.me, token: alice.access, scheme: scheme)
            #expect(me.status == .ok)
            #expect(me.dictionary["phone_number"] as? String == Demo.alice)
        }
    }

    @Test("no header or another scheme means no credentials", arguments: [nil, "Token", "Basic", "jwt"] as [String?])
    func otherSchemes(scheme: String?) async throws {
        try await withApp { client, _ in
            let alice = try await client.logIn(Demo.alice)
            let reply = try await client.call(.get, Routes.me, token: scheme == nil ? nil : alice.access, scheme: scheme ?? "")
            #expect(reply.status == .unauthorized)
            #expect(reply.json == expectedJSON(#"{"detail": "Authentication credentials were not provided."}"#))
            #expect(reply.headers[.wwwAuthenticate] == #"JWT realm="api""#)
        }
    }

    // MARK: D4: the signing key

    @Test("D4: without SECRET_KEY a key is generated once in the data folder and reused after a restart")
    func generatedSecretKeySurvivesRestart() async throws {
        try await withTemporaryDirectory { folder in
            let settings = try testSettings(folder: folder, environment: ["SECRET_KEY": ""])
            #expect(settings.secretKey == nil)
            let (first, _) = try await buildApplication(settings: settings, logger: testLogger)
            let access = try await first.test(.router) { client in try await client.logIn(Demo.alice).access }

            let keyFile = folder.appendingPathComponent("db/secret_key")
            let key = try String(contentsOf: keyFile, encoding: .utf8)
            #expect(key.utf8.count >= 32)
            let permissions = try FileManager.default.attributesOfItem(atPath: keyFile.path)[.posixPermissions] as? Int
            #expect(permissions == 0o600)

            let (second, _) = try await buildApplication(settings: settings, logger: testLogger)
            let status = try await second.test(.router) { client in try await client.call(.get, Routes.me, token: access).status }
            #expect(status == .ok, "a token from before the restart must still verify")
            #expect(try String(contentsOf: keyFile, encoding: .utf8) == key)

            // Another data folder gets another random key, which refuses the token.
            let elsewhere = try testSettings(folder: folder.appendingPathComponent("other"), environment: ["SECRET_KEY": ""])
            let (third, _) = try await buildApplication(settings: elsewhere, logger: testLogger)
            let refused = try await third.test(.router) { client in try await client.call(.get, Routes.me, token: access).status }
            #expect(refused == .unauthorized)
        }
    }

    @Test("D4: SECRET_KEY from the environment signs the tokens")
    func environmentSecretKeyIsUsed() async throws {
        let secret = "an-operator-chosen-secret-key-of-40-bytes"
        let clock = TestClock()
        try await withApp(environment: ["SECRET_KEY": secret], clock: clock) { client, _ in
            let alice = try await client.logIn(Demo.alice)
            let forged = JWTText.forge(
                header: #"{"alg":"HS256","typ":"JWT"}"#, claims: JWTText.claimsJSON(type: "access", userID: alice.userID, issuedAt: clock.now),
                key: secret)
            #expect(try await client.call(.get, Routes.me, token: forged).status == .ok)
        }
    }
}
