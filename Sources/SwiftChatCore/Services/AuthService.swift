import Foundation
import Logging

/// The OTP rules of the original with deviation D3: one pending code per (phone, purpose),
/// codes burned after `maxAttempts` wrong tries, requests rate limited per phone and per client.
public struct OTPPolicy: Sendable {
    /// Dev mode returns the code in the response (the original's `PROJECT_RUNNING_ENV=dev`).
    public var returnsCodeInResponse: Bool
    public var lifetime: TimeInterval
    public var maxAttempts: Int
    public var perPhone: RateLimiter
    public var perClient: RateLimiter
    public var passwordPerClient: RateLimiter
    /// Wrong codes per phone number, across codes, with a growing back-off.
    public var phoneFailures: FailureBackoff
    /// Wrong codes per client address.
    public var clientFailures: RateLimiter

    public init(
        returnsCodeInResponse: Bool, lifetime: TimeInterval, maxAttempts: Int, perPhone: RateLimiter, perClient: RateLimiter,
        passwordPerClient: RateLimiter, phoneFailures: FailureBackoff? = nil, clientFailures: RateLimiter? = nil
    ) {
        self.returnsCodeInResponse = returnsCodeInResponse
        self.lifetime = lifetime
        self.maxAttempts = maxAttempts
        self.perPhone = perPhone
        self.perClient = perClient
        self.passwordPerClient = passwordPerClient
        self.phoneFailures = phoneFailures ?? FailureBackoff(freeFailures: 0, window: 1, maxLock: 1)
        self.clientFailures = clientFailures ?? RateLimiter(limit: 0, window: 1)
    }
}

/// OTP login and registration, password login and the JWT routes.
public struct AuthService: Sendable {
    let store: any ChatStore
    public let tokens: TokenService
    let passwords: PasswordHasher
    public let codes: OTPCodec
    let sender: any OTPSender
    public let policy: OTPPolicy
    let now: @Sendable () -> Date
    let logger: Logger
    /// A hash of a random password at the configured cost, checked when the phone is unknown.
    private let decoyHash: String

    public init(
        store: any ChatStore, tokens: TokenService, passwords: PasswordHasher, codes: OTPCodec,
        sender: any OTPSender, policy: OTPPolicy, now: @escaping @Sendable () -> Date = Date.init, logger: Logger
    ) {
        self.store = store
        self.tokens = tokens
        self.passwords = passwords
        self.codes = codes
        self.sender = sender
        self.policy = policy
        self.now = now
        self.logger = logger
        self.decoyHash = passwords.hashNow(UUID().uuidString)
    }

    /// Refuses a client that asked for too many codes (checked before anything else, as DRF's
    /// throttles are).
    public func throttleClient(_ client: String) throws {
        if let wait = policy.perClient.hit(client, now: now()) { throw APIError.throttled(retryAfterSeconds: wait) }
    }

    /// Refuses a client that tried too many passwords (password login and registration), so
    /// the slow password hash cannot be used to exhaust the server.
    public func throttlePasswordClient(_ client: String) throws {
        if let wait = policy.passwordPerClient.hit(client, now: now()) { throw APIError.throttled(retryAfterSeconds: wait) }
    }

    /// Refuses a client that sent too many wrong codes (before its request is read).
    public func throttleCodeGuesses(_ client: String) throws {
        if let wait = policy.clientFailures.wait(client, now: now()) { throw APIError.throttled(retryAfterSeconds: wait) }
    }

    /// Forgets rate limit entries that have aged out.
    public func purgeRateLimits() {
        let current = now()
        for limiter in [policy.perPhone, policy.perClient, policy.passwordPerClient, policy.clientFailures] { limiter.purge(now: current) }
        policy.phoneFailures.purge(now: current)
    }

    /// `POST /api/otp/gen/phone_number/`. Returns the code only in dev mode.
    public func requestCode(for phone: PhoneNumber, purpose: OTPPurpose) async throws -> String? {
        if purpose == .newAccount, try await store.user(phoneNumber: phone.e164) != nil {
            throw APIError.field("phone_number", ErrorText.phoneTaken)
        }
        let current = now()
        if let pending = try await store.pendingOTP(phoneNumber: phone.e164, purpose: purpose), pending.expiresAt > current {
            let remaining = pending.expiresAt.timeIntervalSince(current).rounded()
            throw APIError.nonField(["NOT_EXPIRED", String(Int(remaining))])
        }
        if let wait = policy.perPhone.hit(phone.e164, now: current) { throw APIError.throttled(retryAfterSeconds: wait) }

        let code = codes.newCode()
        try await store.saveOTP(PendingOTP(
            phoneNumber: phone.e164, purpose: purpose, codeHash: codes.hash(code: code, phoneNumber: phone.e164, purpose: purpose),
            expiresAt: current.addingTimeInterval(policy.lifetime)))
        if policy.returnsCodeInResponse { return code }
        do {
            try await sender.send(code: code, to: phone.e164)
        } catch {
            try? await store.deleteOTP(phoneNumber: phone.e164, purpose: purpose)
            logger.error("sending a verification code failed", metadata: ["error": "\(error)"])
            throw APIError.unavailable("The verification code could not be sent. Try again later.")
        }
        return nil
    }

    /// `POST /api/otp/auth/`: checks an `A` code and logs in, creating the account on first use.
    public func logIn(phone: PhoneNumber, code: Int, client: String) async throws -> TokenPair {
        switch try await consume(code: String(code), phone: phone, purpose: .authLogin, client: client) {
        case .missingOrExpired: throw APIError.field("otp", ErrorText.otpExpired)
        case .wrongCode: throw APIError.field("otp", ErrorText.otpWrong)
        case .accepted: break
        }
        let user = try await findOrCreateUser(phone: phone)
        return try await tokens.issuePair(for: user.id)
    }

    /// `POST /api/core/user/`: registers with an `N` code. The caller has already checked the
    /// fields and that the phone is free.
    public func register(_ new: NewUser, password: String, code: String, phone: PhoneNumber, client: String) async throws -> User {
        guard try await consume(code: code, phone: phone, purpose: .newAccount, client: client) == .accepted else {
            throw APIError.field("otp", ErrorText.otpWrong)
        }
        var new = new
        new.phoneNumber = phone.e164
        new.passwordHash = await passwords.hash(password)
        do {
            return try await store.createUser(new, at: now())
        } catch StoreError.conflict {
            throw APIError.field("phone_number", ErrorText.phoneTaken)
        }
    }

    /// `POST /api/auth/jwt/create/`.
    public func logIn(phoneNumber: String, password: String) async throws -> TokenPair {
        try await tokens.issuePair(for: try await account(phoneNumber: phoneNumber, password: password).id)
    }

    /// The active account with this phone number and password (the admin site signs in with it
    /// too); `APIError.noActiveAccount` otherwise.
    public func account(phoneNumber: String, password: String) async throws -> User {
        let normalised = PhoneNumber(parsing: phoneNumber)?.e164 ?? phoneNumber
        let user = try await store.user(phoneNumber: normalised)
        // Hash even when there is no such user, so timing does not tell which phones exist.
        let stored = user.flatMap { $0.hasUsablePassword ? $0.passwordHash : nil } ?? decoyHash
        let matches = await passwords.verify(password, against: stored)
        guard let user, user.isActive, user.hasUsablePassword, matches else { throw APIError.noActiveAccount }
        return user
    }

    /// A bcrypt hash of `password`, as registration stores it.
    public func passwordHash(_ password: String) async -> String {
        await passwords.hash(password)
    }

    /// `POST /api/auth/jwt/refresh/`.
    public func refreshAccess(_ refreshToken: String) async throws -> String {
        do {
            let claims = try await tokens.verify(refreshToken, as: .refresh)
            guard try await store.user(id: claims.userID) != nil else { throw TokenError.malformed }
            return try await tokens.refreshAccess(from: refreshToken)
        } catch TokenError.wrongType {
            throw APIError.tokenNotValid(detail: "Token has wrong type", withTokenClassMessages: false)
        } catch is TokenError {
            throw APIError.tokenNotValid(detail: "Token is invalid or expired", withTokenClassMessages: false)
        }
    }

    /// `POST /api/auth/jwt/verify/`: any valid token, access or refresh.
    public func verify(_ token: String) async throws {
        do {
            _ = try await tokens.verify(token, as: nil)
        } catch is TokenError {
            throw APIError.tokenNotValid(detail: "Token is invalid or expired", withTokenClassMessages: false)
        }
    }

    /// The user an access token belongs to, as simplejwt's `JWTAuthentication` decides it.
    public func authenticate(accessToken: String) async throws -> User {
        let claims: TokenClaims
        do {
            claims = try await tokens.verify(accessToken, as: .access)
        } catch is TokenError {
            throw APIError.tokenNotValid(detail: "Given token not valid for any token type", withTokenClassMessages: true)
        }
        guard let user = try await store.user(id: claims.userID) else {
            throw APIError.authenticationFailed(detail: "User not found", code: "user_not_found")
        }
        guard user.isActive else { throw APIError.authenticationFailed(detail: "User is inactive", code: "user_inactive") }
        return user
    }

    /// Checks a code, within the guessing budget: a client with too many wrong codes, or a
    /// phone in back-off, is refused before the code is looked at.
    private func consume(code: String, phone: PhoneNumber, purpose: OTPPurpose, client: String) async throws -> OTPCheck {
        let current = now()
        if let wait = policy.clientFailures.wait(client, now: current) ?? policy.phoneFailures.lockRemaining(phone.e164, now: current) {
            throw APIError.throttled(retryAfterSeconds: wait)
        }
        let check = try await store.consumeOTP(
            phoneNumber: phone.e164, purpose: purpose, codeHash: codes.hash(code: code, phoneNumber: phone.e164, purpose: purpose),
            now: current, maxAttempts: policy.maxAttempts)
        switch check {
        case .wrongCode:
            policy.clientFailures.record(client, now: current)
            policy.phoneFailures.recordFailure(phone.e164, now: current)
        case .accepted:
            policy.phoneFailures.recordSuccess(phone.e164)
        case .missingOrExpired:
            break
        }
        return check
    }

    private func findOrCreateUser(phone: PhoneNumber) async throws -> User {
        if let user = try await store.user(phoneNumber: phone.e164) { return user }
        do {
            return try await store.createUser(NewUser(phoneNumber: phone.e164), at: now())
        } catch StoreError.conflict {
            // Two logins for a new phone raced; the other one created the account.
            guard let user = try await store.user(phoneNumber: phone.e164) else { throw StoreError.conflict }
            return user
        }
    }
}
