import Foundation
import Logging
import SwiftChatCore

/// Tokens, passwords, codes, their sender and the OTP rate limits, from the settings.
func makeAuthService(
    _ settings: Settings, store: any ChatStore, secret: String, passwords: PasswordHasher, logger: Logger,
    now: @escaping @Sendable () -> Date
) async -> AuthService {
    let tokens = await TokenService(
        secret: secret, accessLifetime: settings.accessTokenLifetime, refreshLifetime: settings.refreshTokenLifetime, now: now)
    return AuthService(
        store: store, tokens: tokens, passwords: passwords, codes: OTPCodec(secret: secret, length: settings.otpLength),
        sender: makeSender(settings, logger: logger),
        policy: OTPPolicy(
            returnsCodeInResponse: settings.devMode, lifetime: settings.otpLifetime, maxAttempts: settings.otpMaxAttempts,
            // Per phone within a code's lifetime: nobody else can keep the owner from a code longer.
            perPhone: RateLimiter(limit: settings.otpRatePerPhone, window: settings.otpLifetime),
            perClient: RateLimiter(limit: settings.otpRatePerClient, window: settings.otpRateWindow),
            passwordPerClient: RateLimiter(limit: settings.passwordRatePerClient, window: settings.otpRateWindow),
            phoneFailures: FailureBackoff(
                freeFailures: settings.otpFreeFailuresPerPhone, window: settings.otpRateWindow, maxLock: settings.otpLifetime),
            clientFailures: RateLimiter(limit: settings.otpFailuresPerClient, window: settings.otpRateWindow)),
        now: now, logger: logger)
}
