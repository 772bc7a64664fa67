import Foundation
import JWTKit

/// simplejwt-compatible tokens: HS256 only, claims `token_type`, `exp`, `iat`, `jti`, `user_id`.
public struct TokenClaims: JWTPayload, Equatable {
    public var tokenType: String
    public var exp: Int64
    public var iat: Int64
    public var jti: String
    public var userID: UserID

    enum CodingKeys: String, CodingKey {
        case tokenType = "token_type", exp, iat, jti, userID = "user_id"
    }

    public func verify(using algorithm: some JWTAlgorithm) async throws {
        // Expiry is checked by TokenService against its own clock, so tests can move time.
    }
}

public enum TokenKind: String, Sendable {
    case access, refresh
}

public struct TokenPair: Sendable {
    public var access: String
    public var refresh: String
}

public enum TokenError: Error, Equatable {
    case malformed, badSignature, unsupportedAlgorithm, expired, wrongType
}

public struct TokenService: Sendable {
    private let keys: JWTKeyCollection
    public let accessLifetime: TimeInterval
    public let refreshLifetime: TimeInterval
    private let now: @Sendable () -> Date

    public init(secret: String, accessLifetime: TimeInterval, refreshLifetime: TimeInterval, now: @escaping @Sendable () -> Date = Date.init) async {
        self.keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: secret), digestAlgorithm: .sha256)
        self.accessLifetime = accessLifetime
        self.refreshLifetime = refreshLifetime
        self.now = now
    }

    public func issuePair(for user: UserID) async throws -> TokenPair {
        let issuedAt = Int64(now().timeIntervalSince1970)
        return TokenPair(
            access: try await sign(kind: .access, user: user, issuedAt: issuedAt, lifetime: accessLifetime),
            refresh: try await sign(kind: .refresh, user: user, issuedAt: issuedAt, lifetime: refreshLifetime)
        )
    }

    /// A new access token from a refresh token. Like simplejwt, it keeps the refresh token's
    /// `iat` and expires `accessLifetime` from now.
    public func refreshAccess(from refreshToken: String) async throws -> String {
        let claims = try await verify(refreshToken, as: .refresh)
        let claimsNow = Int64(now().timeIntervalSince1970)
        return try await keys.sign(TokenClaims(
            tokenType: TokenKind.access.rawValue, exp: claimsNow + Int64(accessLifetime), iat: claims.iat,
            jti: Self.newJTI(), userID: claims.userID))
    }

    /// Verifies signature, algorithm, expiry and, when given, the token type.
    public func verify(_ token: String, as kind: TokenKind?) async throws -> TokenClaims {
        try Self.requireHS256(token)
        let claims: TokenClaims
        do {
            claims = try await keys.verify(token, as: TokenClaims.self)
        } catch let error as JWTError where error.errorType == .signatureVerificationFailed {
            throw TokenError.badSignature
        } catch {
            throw TokenError.malformed
        }
        if claims.exp <= Int64(now().timeIntervalSince1970) { throw TokenError.expired }
        if let kind, claims.tokenType != kind.rawValue { throw TokenError.wrongType }
        return claims
    }

    private func sign(kind: TokenKind, user: UserID, issuedAt: Int64, lifetime: TimeInterval) async throws -> String {
        try await keys.sign(TokenClaims(
            tokenType: kind.rawValue, exp: issuedAt + Int64(lifetime), iat: issuedAt, jti: Self.newJTI(), userID: user))
    }

    /// jwt-kit picks the key by `kid`, not by `alg`; refuse every header but HS256 up front so
    /// `none`, RS256 or ES256 tokens never reach a verifier.
    private static func requireHS256(_ token: String) throws {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = Data(base64URLEncoded: String(parts[0])),
              let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any]
        else { throw TokenError.malformed }
        guard object["alg"] as? String == "HS256" else { throw TokenError.unsupportedAlgorithm }
    }

    private static func newJTI() -> String {
        UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }
}

extension Data {
    init?(base64URLEncoded text: String) {
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.count % 4) % 4)
        self.init(base64Encoded: base64)
    }
}
