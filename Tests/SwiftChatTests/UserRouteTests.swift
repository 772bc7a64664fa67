import Foundation
import HTTPTypes
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// `/api/core/` (original-api.md section 3).
@Suite("User routes")
struct UserRouteTests {
    static let notAuthenticated = #"{"detail": "Authentication credentials were not provided."}"#
    static let permissionDenied = #"{"detail": "You do not have permission to perform this action."}"#

    // MARK: Root and list

    @Test("GET /api/core/ is the API root")
    func apiRoot() async throws {
        try await withApp { client, _ in
            let reply = try await client.call(.get, "/api/core/")
            #expect(reply.status == .ok)
            #expect(Set(reply.dictionary.keys) == ["user"])
            let url = try #require(reply.dictionary["user"] as? String)
            #expect(url.hasPrefix("http://"))
            #expect(url.hasSuffix("/api/core/user/"))
        }
    }

    @Test("the user list needs credentials")
    func listNeedsAuth() async throws {
        try await withApp { client, _ in
            let reply = try await client.call(.get, Routes.users)
            #expect(reply.status == .unauthorized)
            #expect(reply.json == expectedJSON(Self.notAuthenticated))
            #expect(reply.headers[.wwwAuthenticate] == #"JWT realm="api""#)
        }
    }

    @Test("the user list is a plain array of everyone but the caller, admin included, in id order")
    func listShape() async throws {
        try await withApp { client, runtime in
            let alice = try await client.logIn(Demo.alice)
            let reply = try await client.call(.get, Routes.users, token: alice.access)
            #expect(reply.status == .ok)
            var expected: [String] = []
            for phone in [Demo.admin, Demo.john, Demo.rahul, Demo.maria, Demo.chen] {
                let user = try #require(try await runtime.store.user(phoneNumber: phone))
                expected.append(
                    #"{"id": \#(user.id), "phone_number": "\#(phone)", "email": null, "first_name": "\#(user.firstName)", "#
                        + #""last_name": "\#(user.lastName)", "sent_by": [], "sent_to": []}"#)
            }
            #expect(reply.json == expectedJSON("[" + expected.joined(separator: ",") + "]"))
            #expect(reply.array.first?["first_name"] as? String == "admin")
            #expect(reply.array.allSatisfy { Set($0.keys) == ["id", "phone_number", "email", "first_name", "last_name", "sent_by", "sent_to"] })
        }
    }

    // MARK: Registration

    @Test("registration with an N code creates a user with a hashed password who can then use jwt/create")
    func registration() async throws {
        try await withApp { client, runtime in
            let phone = freshPhone(1)
            let code = try await client.rawOTP(phone, for: "N")
            let reply = try await client.call(.post, Routes.users, json: """
                {"phone_number": "\(phone)", "password": "s3cret-pass", "otp": "\(code)", "first_name": "Reg", "email": "reg@example.com"}
                """)
            #expect(reply.status == .created)
            let user = try #require(try await runtime.store.user(phoneNumber: phone))
            #expect(reply.json == expectedJSON(
                #"{"id": \#(user.id), "phone_number": "\#(phone)", "email": "reg@example.com", "first_name": "Reg", "last_name": ""}"#))
            #expect(user.passwordHash.hasPrefix("$2"))
            #expect(user.passwordHash != "s3cret-pass")
            #expect(!user.isStaff)
            #expect(try await runtime.store.pendingOTP(phoneNumber: phone, purpose: .newAccount) == nil)

            let tokens = try await client.call(.post, Routes.jwtCreate, json: #"{"phone_number": "\#(phone)", "password": "s3cret-pass"}"#)
            #expect(tokens.status == .ok)
            let wrong = try await client.call(.post, Routes.jwtCreate, json: #"{"phone_number": "\#(phone)", "password": "s3cret-pasS"}"#)
            #expect(wrong.status == .unauthorized)
        }
    }

    enum RegistrationCode: String, CaseIterable, Sendable {
        case none, wrong, expired, loginCode
    }

    @Test("registration without a valid N code answers 'otp expire'", arguments: RegistrationCode.allCases)
    func registrationCodeRefused(kind: RegistrationCode) async throws {
        let clock = TestClock()
        try await withApp(clock: clock) { client, runtime in
            let phone = freshPhone(1)
            var code = "1234"
            switch kind {
            case .none: break
            case .wrong: code = wrongCode(for: try await client.rawOTP(phone, for: "N"))
            case .expired:
                code = try await client.rawOTP(phone, for: "N")
                clock.advance(by: 121)
            case .loginCode: code = try await client.rawOTP(phone, for: "A")
            }
            let reply = try await client.call(.post, Routes.users, json: #"{"phone_number": "\#(phone)", "password": "pw", "otp": "\#(code)"}"#)
            #expect(reply.status == .badRequest)
            #expect(reply.json == expectedJSON(#"{"otp": ["otp expire"]}"#))
            #expect(try await runtime.store.user(phoneNumber: phone) == nil)
        }
    }

    @Test("registration checks the fields first: required fields, a taken phone, the code length", arguments: [
        ("{}", #"{"phone_number": ["This field is required."], "password": ["This field is required."], "otp": ["This field is required."]}"#),
        (#"{"phone_number": "\#(Demo.alice)", "password": "pw", "otp": "1234"}"#, #"{"phone_number": ["user with this phone number already exists."]}"#),
        (#"{"phone_number": "+919812300001", "password": "pw", "otp": "12345"}"#, #"{"otp": ["Ensure this field has no more than 4 characters."]}"#),
    ])
    func registrationFieldErrors(body: String, errors: String) async throws {
        try await withApp { client, _ in
            let reply = try await client.call(.post, Routes.users, json: body)
            #expect(reply.status == .badRequest)
            #expect(reply.json == expectedJSON(errors))
        }
    }

    @Test("registration never echoes the password or the code")
    func registrationEchoesNoSecrets() async throws {
        try await withApp { client, _ in
            let code = try await client.rawOTP(freshPhone(1), for: "N")
            let reply = try await client.call(.post, Routes.users, json: #"{"phone_number": "\#(freshPhone(1))", "password": "pw-secret", "otp": "\#(code)"}"#)
            #expect(reply.status == .created)
            #expect(Set(reply.dictionary.keys) == ["id", "phone_number", "email", "first_name", "last_name"])
            #expect(!reply.text.contains("pw-secret"))
        }
    }

    // MARK: /me/

    @Test("GET /me/ shows the caller's profile")
    func me() async throws {
        try await withApp { client, _ in
            let alice = try await client.logIn(Demo.alice)
            let reply = try await client.call(.get, Routes.me, token: alice.access)
            #expect(reply.status == .ok)
            #expect(reply.json == expectedJSON(
                #"{"id": \#(alice.userID), "phone_number": "\#(Demo.alice)", "email": null, "first_name": "Alice", "last_name": "Smith"}"#))
        }
    }

    @Test("PUT and PATCH /me/ update names and email; phone_number is read-only", arguments: [HTTPRequest.Method.put, .patch])
    func updateMe(method: HTTPRequest.Method) async throws {
        try await withApp { client, runtime in
            let alice = try await client.logIn(Demo.alice)
            let reply = try await client.call(method, Routes.me, json: """
                {"phone_number": "+919999999999", "first_name": "Ally", "last_name": "Jones", "email": "ally@example.com"}
                """, token: alice.access)
            let expected = expectedJSON(
                #"{"id": \#(alice.userID), "phone_number": "\#(Demo.alice)", "email": "ally@example.com", "first_name": "Ally", "last_name": "Jones"}"#)
            #expect(reply.status == .ok)
            #expect(reply.json == expected)
            #expect(try await client.call(.get, Routes.me, token: alice.access).json == expected)
            #expect(try await runtime.store.user(phoneNumber: "+919999999999") == nil)
        }
    }

    @Test("PATCH /me/ leaves the fields it does not name alone")
    func partialUpdate() async throws {
        try await withApp { client, _ in
            let alice = try await client.logIn(Demo.alice)
            let reply = try await client.call(.patch, Routes.me, json: #"{"last_name": "Jones"}"#, token: alice.access)
            #expect(reply.dictionary["first_name"] as? String == "Alice")
            #expect(reply.dictionary["last_name"] as? String == "Jones")
        }
    }

    @Test("a bad email is refused", arguments: ["not-an-email", "a@b", "@example.com", "a b@example.com"])
    func badEmail(email: String) async throws {
        try await withApp { client, _ in
            let alice = try await client.logIn(Demo.alice)
            let reply = try await client.call(.patch, Routes.me, json: #"{"email": "\#(email)"}"#, token: alice.access)
            #expect(reply.status == .badRequest)
            #expect(reply.json == expectedJSON(#"{"email": ["Enter a valid email address."]}"#))
        }
    }

    @Test("DELETE /me/ is admin-only")
    func deleteMeForbidden() async throws {
        try await withApp { client, runtime in
            let alice = try await client.logIn(Demo.alice)
            let reply = try await client.call(.delete, Routes.me, token: alice.access)
            #expect(reply.status == .forbidden)
            #expect(reply.json == expectedJSON(Self.permissionDenied))
            #expect(try await runtime.store.user(id: UserID(rawValue: alice.userID)) != nil)
        }
    }

    // MARK: /user/{id}/

    @Test("GET /user/{id}/ shows {id, phone_number} to the user themself")
    func retrieveSelf() async throws {
        try await withApp { client, _ in
            let alice = try await client.logIn(Demo.alice)
            let reply = try await client.call(.get, Routes.user(alice.userID), token: alice.access)
            #expect(reply.status == .ok)
            #expect(reply.json == expectedJSON(#"{"id": \#(alice.userID), "phone_number": "\#(Demo.alice)"}"#))
        }
    }

    @Test("another user's id is forbidden; an admin may read it")
    func retrieveOther() async throws {
        try await withApp { client, runtime in
            let alice = try await client.logIn(Demo.alice)
            let rahul = try #require(try await runtime.store.user(phoneNumber: Demo.rahul))
            let forbidden = try await client.call(.get, Routes.user(rahul.id.rawValue), token: alice.access)
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.json == expectedJSON(Self.permissionDenied))
            let byAdmin = try await client.call(.get, Routes.user(rahul.id.rawValue), token: try await client.adminAccess())
            #expect(byAdmin.status == .ok)
            #expect(byAdmin.json == expectedJSON(#"{"id": \#(rahul.id), "phone_number": "\#(Demo.rahul)"}"#))
        }
    }

    @Test("an unknown or non-numeric user id is not found", arguments: ["/api/core/user/99999/", "/api/core/user/abc/"])
    func retrieveUnknown(path: String) async throws {
        try await withApp { client, _ in
            let reply = try await client.call(.get, path, token: try await client.adminAccess())
            #expect(reply.status == .notFound)
            #expect(reply.json == expectedJSON(#"{"detail": "Not found."}"#))
        }
    }

    @Test("PUT and PATCH /user/{id}/ change nothing", arguments: [HTTPRequest.Method.put, .patch])
    func updateByIDChangesNothing(method: HTTPRequest.Method) async throws {
        try await withApp { client, _ in
            let alice = try await client.logIn(Demo.alice)
            let reply = try await client.call(
                method, Routes.user(alice.userID), json: #"{"phone_number": "+919999999999", "first_name": "X"}"#, token: alice.access)
            #expect(reply.status == .ok)
            #expect(reply.json == expectedJSON(#"{"id": \#(alice.userID), "phone_number": "\#(Demo.alice)"}"#))
            #expect(try await client.call(.get, Routes.me, token: alice.access).dictionary["first_name"] as? String == "Alice")
        }
    }

    @Test("DELETE /user/{id}/ is forbidden to a normal user, even on themself", arguments: [Demo.alice, Demo.rahul])
    func deleteByNonAdmin(target: String) async throws {
        try await withApp { client, runtime in
            let alice = try await client.logIn(Demo.alice)
            let victim = try #require(try await runtime.store.user(phoneNumber: target))
            let reply = try await client.call(.delete, Routes.user(victim.id.rawValue), token: alice.access)
            #expect(reply.status == .forbidden)
            #expect(reply.json == expectedJSON(Self.permissionDenied))
            #expect(try await runtime.store.user(id: victim.id) != nil)
        }
    }

    @Test("an admin deletes a user; a second delete is not found")
    func deleteByAdmin() async throws {
        try await withApp { client, runtime in
            let admin = try await client.adminAccess()
            let rahul = try #require(try await runtime.store.user(phoneNumber: Demo.rahul))
            let reply = try await client.call(.delete, Routes.user(rahul.id.rawValue), token: admin)
            #expect(reply.status == .noContent)
            #expect(reply.text.isEmpty)
            #expect(try await runtime.store.user(id: rahul.id) == nil)
            #expect(try await client.call(.delete, Routes.user(rahul.id.rawValue), token: admin).status == .notFound)
        }
    }

    // MARK: djoser's admin-only actions

    /// The list in the contract (`shared/spec/original-api.md`, the admin-only djoser row),
    /// written out here rather than taken from the controller, so a route dropped there fails.
    static let contractAdminOnlyActions = [
        "activation", "resend_activation", "set_password", "reset_password", "reset_password_confirm",
        "set_phone_number", "reset_phone_number", "reset_phone_number_confirm",
    ]

    @Test("the server serves exactly the contract's admin-only actions")
    func adminOnlyActionList() {
        #expect(Set(UserController.adminOnlyActions) == Set(Self.contractAdminOnlyActions))
    }

    @Test("djoser's admin-only actions: 403 for a normal user, 401 without credentials", arguments: contractAdminOnlyActions)
    func adminOnlyActions(action: String) async throws {
        try await withApp { client, _ in
            let alice = try await client.logIn(Demo.alice)
            let path = "/api/core/user/\(action)/"
            let forbidden = try await client.call(.post, path, json: "{}", token: alice.access)
            #expect(forbidden.status == .forbidden)
            #expect(forbidden.json == expectedJSON(Self.permissionDenied))
            let anonymous = try await client.call(.post, path, json: "{}")
            #expect(anonymous.status == .unauthorized)
            #expect(anonymous.json == expectedJSON(Self.notAuthenticated))
        }
    }
}
