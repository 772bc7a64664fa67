import Crypto
import Foundation
import HTTPTypes
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// `POST /api/otp/gen/phone_number/` (original-api.md 2.2-2.3, deviations D3 and D11).
@Suite("OTP generation")
struct OTPGenerationTests {
    @Test("dev mode answers 201 with a 4-digit raw_otp string and status Ok")
    func devModeReturnsTheCode() async throws {
        try await withApp { client, _ in
            let reply = try await client.requestOTP(freshPhone(1))
            #expect(reply.status == .created)
            #expect(Set(reply.dictionary.keys) == ["raw_otp", "status"])
            #expect(reply.dictionary["status"] as? String == "Ok")
            let code = try #require(reply.dictionary["raw_otp"] as? String, "raw_otp must be a JSON string: \(reply.text)")
            #expect(code.count == 4)
            #expect((1000...9999).contains(Int(code) ?? 0))
        }
    }

    @Test("outside dev mode the answer is only {status: Ok}, yet a code is pending")
    func productionHidesTheCode() async throws {
        try await withApp(environment: ["PROJECT_RUNNING_ENV": "prod"]) { client, runtime in
            let reply = try await client.requestOTP(freshPhone(1))
            #expect(reply.status == .created)
            #expect(reply.json == expectedJSON(#"{"status": "Ok"}"#))
            #expect(try await runtime.store.pendingOTP(phoneNumber: freshPhone(1), purpose: .authLogin) != nil)
        }
    }

    @Test("codes are stored as an HMAC keyed with the secret, never as the code")
    func codesAreStoredAsKeyedHashes() async throws {
        try await withApp { client, runtime in
            let code = try await client.rawOTP(freshPhone(1))
            let stored = try #require(try await runtime.store.pendingOTP(phoneNumber: freshPhone(1), purpose: .authLogin))
            #expect(stored.codeHash.count == 64)
            #expect(stored.codeHash.allSatisfy { $0.isHexDigit && !$0.isUppercase })
            #expect(stored.codeHash != code)
            let unkeyed = SHA256.hash(data: Data(code.utf8)).map { String(format: "%02x", $0) }.joined()
            #expect(stored.codeHash != unkeyed)
            let secret = try #require(runtime.settings.secretKey)
            #expect(OTPCodec(secret: secret).hash(code: code, phoneNumber: freshPhone(1), purpose: .authLogin) == stored.codeHash)
            #expect(OTPCodec(secret: secret + "x").hash(code: code, phoneNumber: freshPhone(1), purpose: .authLogin) != stored.codeHash)
        }
    }

    @Test("both fields are required", arguments: ["{}", ""])
    func missingFields(body: String) async throws {
        try await withApp { client, _ in
            let reply = try await client.call(.post, Routes.otpGenerate, json: body)
            #expect(reply.status == .badRequest)
            #expect(reply.json == expectedJSON(#"{"phone_number": ["This field is required."], "otp_for": ["This field is required."]}"#))
        }
    }

    @Test("an invalid phone number is refused", arguments: ["+91720977989", "12345", "9812300003", "+91 98123", "phone"])
    func invalidPhone(phone: String) async throws {
        try await withApp { client, _ in
            let reply = try await client.requestOTP(phone)
            #expect(reply.status == .badRequest)
            #expect(reply.json == expectedJSON(#"{"phone_number": ["The phone number entered is not valid."]}"#))
        }
    }

    @Test("spaces in the phone are allowed; the code is kept under the E.164 form")
    func spacesAreAllowed() async throws {
        try await withApp { client, runtime in
            let code = try await client.rawOTP("+91 98123 00003")
            #expect(try await runtime.store.pendingOTP(phoneNumber: "+919812300003", purpose: .authLogin) != nil)
            #expect(try await client.submitOTP("+919812300003", code: code).status == .ok)
            #expect(try await runtime.store.user(phoneNumber: "+919812300003") != nil)
        }
    }

    @Test("otp_for must be A or N", arguments: [(#""X""#, "X"), (#""a""#, "a"), (#""NA""#, "NA"), ("1", "1")])
    func invalidPurpose(fragment: String, shown: String) async throws {
        try await withApp { client, _ in
            let reply = try await client.call(
                .post, Routes.otpGenerate, json: #"{"phone_number": "\#(freshPhone(1))", "otp_for": \#(fragment)}"#)
            #expect(reply.status == .badRequest)
            #expect(reply.json == .object([("otp_for", .array([.string("\"\(shown)\" is not a valid choice.")]))]))
        }
    }

    @Test("an N code for a phone that already has an account is refused")
    func newAccountCodeForExistingUser() async throws {
        try await withApp { client, _ in
            let reply = try await client.requestOTP(Demo.alice, for: "N")
            #expect(reply.status == .badRequest)
            #expect(reply.json == expectedJSON(#"{"phone_number": ["user with this phone number already exists."]}"#))
        }
    }

    @Test("a pending code blocks another request with NOT_EXPIRED and the remaining seconds",
          arguments: [(0.0, "120"), (60.0, "60"), (119.0, "1")])
    func pendingCodeBlocks(elapsed: Double, remaining: String) async throws {
        let clock = TestClock()
        try await withApp(clock: clock) { client, _ in
            _ = try await client.rawOTP(freshPhone(1))
            clock.advance(by: elapsed)
            let reply = try await client.requestOTP(freshPhone(1))
            #expect(reply.status == .badRequest)
            #expect(reply.json == .object([("non_field_errors", .array([.string("NOT_EXPIRED"), .string(remaining)]))]))
        }
    }

    @Test("after two minutes the old code is refused as expired and a new one can be requested")
    func expiry() async throws {
        let clock = TestClock()
        try await withApp(clock: clock) { client, _ in
            let old = try await client.rawOTP(freshPhone(1))
            clock.advance(by: 121)
            let refused = try await client.submitOTP(freshPhone(1), code: old)
            #expect(refused.status == .badRequest)
            #expect(refused.json == expectedJSON(#"{"otp": ["otp expired"]}"#))
            let new = try await client.rawOTP(freshPhone(1))
            #expect(try await client.submitOTP(freshPhone(1), code: new).status == .ok)
        }
    }

    @Test("D3: an N request leaves a pending A code valid (one code per phone and purpose)")
    func purposesAreIndependent() async throws {
        try await withApp { client, runtime in
            let login = try await client.rawOTP(freshPhone(1), for: "A")
            let registration = try await client.rawOTP(freshPhone(1), for: "N")
            let registered = try await client.call(
                .post, Routes.users, json: #"{"phone_number": "\#(freshPhone(1))", "password": "pw-123456", "otp": "\#(registration)"}"#)
            #expect(registered.status == .created, "\(registered.text)")
            let tokens = try await client.submitOTP(freshPhone(1), code: login)
            #expect(tokens.status == .ok, "the A code must survive the N request: \(tokens.text)")
            let me = try await client.call(.get, Routes.me, token: tokens.dictionary["access_token"] as? String)
            #expect(me.dictionary["id"] as? Int == registered.dictionary["id"] as? Int)
            #expect(try await runtime.store.userCount() == 7)
        }
    }

    @Test("D3: wrong tries burn the code once the limit is reached",
          arguments: [(nil, 4, true), (nil, 5, false), ("2", 1, true), ("2", 2, false)] as [(String?, Int, Bool)])
    func wrongTriesBurnTheCode(maxAttempts: String?, wrongTries: Int, stillValid: Bool) async throws {
        // Only the per-code rule here: the per-client and per-phone budgets have tests of their own.
        var environment = ["SWIFTCHAT_OTP_FAILURES_PER_CLIENT": "0", "SWIFTCHAT_OTP_FREE_FAILURES_PER_PHONE": "0"]
        if let maxAttempts { environment["SWIFTCHAT_OTP_MAX_ATTEMPTS"] = maxAttempts }
        try await withApp(environment: environment) { client, _ in
            let code = try await client.rawOTP(freshPhone(1))
            for attempt in 1...wrongTries {
                let reply = try await client.submitOTP(freshPhone(1), code: wrongCode(for: code))
                #expect(reply.json == expectedJSON(#"{"otp": ["otp expire"]}"#), "wrong try \(attempt)")
            }
            let right = try await client.submitOTP(freshPhone(1), code: code)
            if stillValid {
                #expect(right.status == .ok, "\(right.text)")
            } else {
                #expect(right.status == .badRequest)
                #expect(right.json == expectedJSON(#"{"otp": ["otp expired"]}"#))
            }
        }
    }

    /// The window is the code's lifetime: whoever burns codes for a phone keeps its owner from a
    /// new one for two minutes at most (it was an hour).
    @Test("D3: codes per phone are rate limited with 429 and Retry-After, within a code's lifetime")
    func perPhoneRateLimit() async throws {
        let clock = TestClock()
        let environment = [
            "SWIFTCHAT_OTP_RATE_PER_PHONE": "2", "SWIFTCHAT_OTP_MAX_ATTEMPTS": "1",
            "SWIFTCHAT_OTP_FAILURES_PER_CLIENT": "0", "SWIFTCHAT_OTP_FREE_FAILURES_PER_PHONE": "0",
        ]
        try await withApp(environment: environment, clock: clock) { client, _ in
            for _ in 1...2 {
                let code = try await client.rawOTP(freshPhone(1))
                #expect(try await client.submitOTP(freshPhone(1), code: wrongCode(for: code)).status == .badRequest, "burns it")
            }
            clock.advance(by: 20)
            let throttled = try await client.requestOTP(freshPhone(1))
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.json == expectedJSON(#"{"detail": "Request was throttled. Expected available in 100 seconds."}"#))
            #expect(throttled.headers[.retryAfter] == "100")
            #expect(try await client.requestOTP(freshPhone(2)).status == .created, "another phone is not limited")
            clock.advance(by: 100)
            #expect(try await client.requestOTP(freshPhone(1)).status == .created, "the code's lifetime has passed")
        }
    }

    @Test("codes have SWIFTCHAT_OTP_LENGTH digits (6 outside dev mode), never a leading zero", arguments: [
        (["SWIFTCHAT_OTP_LENGTH": "6"], 6), ([:], 4), (["SWIFTCHAT_OTP_LENGTH": "9"], 9),
    ] as [([String: String], Int)])
    func codeLength(environment: [String: String], digits: Int) async throws {
        try await withApp(environment: environment) { client, _ in
            for index in 1...20 {
                let code = try await client.rawOTP(freshPhone(index))
                #expect(code.count == digits && code.allSatisfy(\.isNumber) && code.first != "0", "\(code)")
            }
        }
        #expect(try testSettingsLength(["PROJECT_RUNNING_ENV": "production"]) == 6)
        #expect(try testSettingsLength(["PROJECT_RUNNING_ENV": "dev"]) == 4)
    }

    private func testSettingsLength(_ environment: [String: String]) throws -> Int {
        try loadSettings(environment).otpLength
    }

    private func loadSettings(_ environment: [String: String]) throws -> Settings {
        try Settings.load(environment: environment.merging(["SECRET_KEY": String(repeating: "k", count: 40)]) { $1 }, readEnvFile: false)
    }

    /// Dev mode hands out the codes in its responses: a limit on guessing them protects nothing
    /// there, and would break clients written for the original (which allowed any number).
    @Test("wrong codes per client: 3 outside dev mode, no limit in dev mode unless set")
    func wrongCodeLimitDefaults() throws {
        #expect(try loadSettings(["PROJECT_RUNNING_ENV": "production"]).otpFailuresPerClient == 3)
        #expect(try loadSettings(["PROJECT_RUNNING_ENV": "dev"]).otpFailuresPerClient == 0)
        #expect(try loadSettings(["PROJECT_RUNNING_ENV": "dev", "SWIFTCHAT_OTP_FAILURES_PER_CLIENT": "7"]).otpFailuresPerClient == 7)
    }

    @Test("wrong codes per client are limited: the next try is 429, even with the right code")
    func wrongCodesPerClient() async throws {
        try await withApp(environment: ["SWIFTCHAT_OTP_FAILURES_PER_CLIENT": "3"], clock: TestClock()) { client, _ in
            let code = try await client.rawOTP(freshPhone(1))
            for _ in 1...3 { #expect(try await client.submitOTP(freshPhone(1), code: wrongCode(for: code)).status == .badRequest) }
            let refused = try await client.submitOTP(freshPhone(1), code: code)
            #expect(refused.status == .tooManyRequests)
            #expect(refused.headers[.retryAfter] == "3600")
            let other = try await client.rawOTP(freshPhone(2))
            #expect(try await client.submitOTP(freshPhone(2), code: other).status == .tooManyRequests, "the budget is the client's")
        }
    }

    @Test("after the free wrong codes a phone is locked, even for the right code, until the lock ends")
    func wrongCodesPerPhoneLock() async throws {
        let clock = TestClock()
        let environment = ["SWIFTCHAT_OTP_FAILURES_PER_CLIENT": "0", "SWIFTCHAT_OTP_FREE_FAILURES_PER_PHONE": "2"]
        try await withApp(environment: environment, clock: clock) { client, _ in
            let code = try await client.rawOTP(freshPhone(1))
            for _ in 1...3 { #expect(try await client.submitOTP(freshPhone(1), code: wrongCode(for: code)).status == .badRequest) }
            let locked = try await client.submitOTP(freshPhone(1), code: code)
            #expect(locked.status == .tooManyRequests)
            #expect(locked.headers[.retryAfter] == "1")
            #expect(try await client.submitOTP(freshPhone(2), code: "1234").status == .badRequest, "another phone is not locked")
            clock.advance(by: 1)
            #expect(try await client.submitOTP(freshPhone(1), code: code).status == .ok, "the owner gets in once the lock ends")
        }
    }

    /// Each wrong code after the free ones locks twice as long, 1 s first, never longer than a
    /// code lives (so strangers cannot keep its owner out for longer than that at a time).
    @Test("the per-phone back-off doubles up to its cap, and a success clears it")
    func backOffSequence() {
        let backoff = FailureBackoff(freeFailures: 2, window: 3600, maxLock: 120)
        var now = Date(timeIntervalSince1970: 1_000_000)
        var locks: [Int?] = []
        for _ in 1...11 {
            backoff.recordFailure("phone", now: now)
            let lock = backoff.lockRemaining("phone", now: now)
            locks.append(lock)
            now = now.addingTimeInterval(Double(lock ?? 0))
        }
        #expect(locks == [nil, nil, 1, 2, 4, 8, 16, 32, 64, 120, 120])
        backoff.recordSuccess("phone")
        backoff.recordFailure("phone", now: now)
        #expect(backoff.lockRemaining("phone", now: now) == nil, "a success starts the count again")
        backoff.recordFailure("other", now: now.addingTimeInterval(-7200))
        backoff.recordFailure("other", now: now)
        backoff.recordFailure("other", now: now)
        #expect(backoff.lockRemaining("other", now: now) == nil, "failures older than the window are forgotten")
    }

    @Test("a full table forgets old failures before it forgets a running lock")
    func fullTableKeepsLocks() {
        let backoff = FailureBackoff(freeFailures: 1, window: 3600, maxLock: 600, maxKeys: 8)
        let start = Date(timeIntervalSince1970: 1_000_000)
        for _ in 1...6 { backoff.recordFailure("victim", now: start) }
        let locked = backoff.lockRemaining("victim", now: start)
        #expect(locked != nil)
        // Many made-up keys later, each newer than the victim's last failure.
        for index in 1...40 { backoff.recordFailure("junk-\(index)", now: start.addingTimeInterval(Double(index) / 100)) }
        #expect(backoff.lockRemaining("victim", now: start.addingTimeInterval(1)) != nil, "the lock survived the table filling up")
    }

    @Test("D3: requests per client address are rate limited, whatever the phone")
    func perClientRateLimit() async throws {
        // A clock that stands still, so the wait announced does not depend on the machine's speed.
        try await withApp(environment: ["SWIFTCHAT_OTP_RATE_PER_CLIENT": "3"], clock: TestClock()) { client, _ in
            for index in 1...3 {
                #expect(try await client.requestOTP(freshPhone(index)).status == .created)
            }
            let throttled = try await client.requestOTP(freshPhone(4))
            #expect(throttled.status == .tooManyRequests)
            #expect(throttled.json == expectedJSON(#"{"detail": "Request was throttled. Expected available in 3600 seconds."}"#))
            #expect(throttled.headers[.retryAfter] == "3600")
        }
    }

    @Test("X-Forwarded-For tells clients apart only when the proxy is trusted", arguments: [true, false])
    func forwardedClientAddress(trustProxy: Bool) async throws {
        let environment = ["SWIFTCHAT_OTP_RATE_PER_CLIENT": "1", "SWIFTCHAT_TRUST_PROXY": String(trustProxy)]
        // Over TCP: the headers count only when the peer is a trusted proxy (loopback by default).
        try await withApp(.live, environment: environment) { client, _ in
            let first = try await client.requestOTP(freshPhone(1), headers: [.xForwardedFor: "203.0.113.1"])
            #expect(first.status == .created)
            let sameClient = try await client.requestOTP(freshPhone(2), headers: [.xForwardedFor: "203.0.113.1"])
            #expect(sameClient.status == .tooManyRequests)
            let otherClient = try await client.requestOTP(freshPhone(3), headers: [.xForwardedFor: "203.0.113.2"])
            #expect(otherClient.status == (trustProxy ? .created : .tooManyRequests))
        }
    }

    @Test("form-urlencoded bodies work for generation and login")
    func formEncodedBodies() async throws {
        try await withApp { client, _ in
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            let generated = try await client.call(
                .post, Routes.otpGenerate, json: "phone_number=%2B91+98123+00003&otp_for=A", headers: form)
            #expect(generated.status == .created, "\(generated.text)")
            let code = try #require(generated.dictionary["raw_otp"] as? String)
            let tokens = try await client.call(.post, Routes.otpLogIn, json: "phone_number=%2B919812300003&otp=\(code)", headers: form)
            #expect(tokens.status == .ok, "\(tokens.text)")
        }
    }

    @Test("malformed JSON is a 400 JSON parse error", arguments: ["{", #"{"phone_number": }"#, "not json"])
    func malformedJSON(body: String) async throws {
        try await withApp { client, _ in
            let reply = try await client.call(.post, Routes.otpGenerate, json: body)
            #expect(reply.status == .badRequest)
            #expect(Set(reply.dictionary.keys) == ["detail"])
            #expect((reply.dictionary["detail"] as? String)?.hasPrefix("JSON parse error - ") == true, "\(reply.text)")
        }
    }

    @Test("a JSON body that is not an object is refused as DRF does")
    func nonObjectBody() async throws {
        try await withApp { client, _ in
            let reply = try await client.call(.post, Routes.otpGenerate, json: "[1, 2]")
            #expect(reply.status == .badRequest)
            #expect(reply.json == expectedJSON(#"{"non_field_errors": ["Invalid data. Expected a dictionary, but got list."]}"#))
        }
    }
}

/// `POST /api/otp/auth/` (original-api.md 2.4).
@Suite("OTP login")
struct OTPLogInTests {
    @Test("a right code logs in, creates the account with empty names and null email, and is single-use")
    func successCreatesTheAccount() async throws {
        try await withApp { client, runtime in
            let before = try await runtime.store.userCount()
            let code = try await client.rawOTP(freshPhone(1))
            let tokens = try await client.submitOTP(freshPhone(1), code: code)
            #expect(tokens.status == .ok)
            #expect(Set(tokens.dictionary.keys) == ["access_token", "refresh_token"])
            #expect(try await runtime.store.pendingOTP(phoneNumber: freshPhone(1), purpose: .authLogin) == nil)
            #expect(try await runtime.store.userCount() == before + 1)

            let user = try #require(try await runtime.store.user(phoneNumber: freshPhone(1)))
            #expect(!user.hasUsablePassword)
            #expect(!user.isStaff)
            let me = try await client.call(.get, Routes.me, token: tokens.dictionary["access_token"] as? String)
            #expect(me.json == expectedJSON(
                #"{"id": \#(user.id), "phone_number": "\#(freshPhone(1))", "email": null, "first_name": "", "last_name": ""}"#))

            let reuse = try await client.submitOTP(freshPhone(1), code: code)
            #expect(reuse.status == .badRequest)
            #expect(reuse.json == expectedJSON(#"{"otp": ["otp expired"]}"#))
        }
    }

    @Test("logging in again reuses the account")
    func existingAccountIsReused() async throws {
        try await withApp { client, runtime in
            let before = try await runtime.store.userCount()
            let alice = try await client.logIn(Demo.alice)
            let again = try await client.logIn(Demo.alice)
            #expect(alice.userID == again.userID)
            #expect(try await runtime.store.userCount() == before)
        }
    }

    @Test("a wrong code answers 'otp expire' and keeps the code pending")
    func wrongCodeKeepsTheRow() async throws {
        try await withApp { client, runtime in
            let code = try await client.rawOTP(freshPhone(1))
            let reply = try await client.submitOTP(freshPhone(1), code: wrongCode(for: code))
            #expect(reply.status == .badRequest)
            #expect(reply.json == expectedJSON(#"{"otp": ["otp expire"]}"#))
            let pending = try #require(try await runtime.store.pendingOTP(phoneNumber: freshPhone(1), purpose: .authLogin))
            #expect(pending.failedAttempts == 1)
            #expect(try await client.submitOTP(freshPhone(1), code: code).status == .ok)
        }
    }

    @Test("without a pending A code the answer is 'otp expired'", arguments: ["none", "N"])
    func noPendingLoginCode(requested: String) async throws {
        try await withApp { client, _ in
            var code = "1234"
            if requested == "N" { code = try await client.rawOTP(freshPhone(1), for: "N") }
            let reply = try await client.submitOTP(freshPhone(1), code: code)
            #expect(reply.status == .badRequest)
            #expect(reply.json == expectedJSON(#"{"otp": ["otp expired"]}"#))
        }
    }

    @Test("otp must be an integer; a numeric string is accepted")
    func otpIsAnInteger() async throws {
        try await withApp { client, _ in
            let code = try await client.rawOTP(freshPhone(1))
            let letters = try await client.submitOTP(freshPhone(1), code: #""abc""#)
            #expect(letters.status == .badRequest)
            #expect(letters.json == expectedJSON(#"{"otp": ["A valid integer is required."]}"#))
            let numericString = try await client.submitOTP(freshPhone(1), code: "\"\(code)\"")
            #expect(numericString.status == .ok, "\(numericString.text)")
        }
    }

    @Test("both fields are required")
    func missingFields() async throws {
        try await withApp { client, _ in
            let reply = try await client.call(.post, Routes.otpLogIn, json: "{}")
            #expect(reply.status == .badRequest)
            #expect(reply.json == expectedJSON(#"{"phone_number": ["This field is required."], "otp": ["This field is required."]}"#))
        }
    }
}
