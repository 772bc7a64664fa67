import Foundation
import HTTPTypes
import Hummingbird
import SwiftChatCore

/// What every controller needs: the services and the few settings that shape requests.
struct APIContext: Sendable {
    let auth: AuthService
    let users: UserService
    let interests: InterestService
    let maxBodySize: Int
    let trustProxy: Bool

    /// The caller, from `Authorization: JWT <token>` (or `Bearer`, D10). Other schemes count
    /// as no credentials, as in simplejwt.
    func caller(of request: Request) async throws -> User {
        guard let header = request.headers[.authorization] else { throw APIError.notAuthenticated }
        let parts = header.split(separator: " ", omittingEmptySubsequences: true)
        guard let scheme = parts.first, scheme == "JWT" || scheme == "Bearer" else { throw APIError.notAuthenticated }
        guard parts.count == 2 else {
            throw APIError.authenticationFailed(
                detail: "Authorization header must contain two space-delimited values", code: "bad_authorization_header")
        }
        return try await auth.authenticate(accessToken: String(parts[1]))
    }

    func form(_ request: Request) async throws -> FormFields {
        try await FormFields.decode(request, maxSize: maxBodySize)
    }

    /// The client address for rate limits: the peer, or, behind a trusted proxy, the address
    /// the proxy saw (`X-Real-IP`, else the last `X-Forwarded-For` hop: earlier hops are the
    /// client's own word). IPv6 clients are counted per /64, the block one host usually has.
    func clientAddress(_ request: Request, _ context: AppRequestContext) -> String {
        var address = context.peerAddress ?? "unknown"
        if trustProxy {
            if let real = request.headers[.xRealIP] {
                address = real.trimmingCharacters(in: .whitespaces)
            } else if let forwarded = request.headers[.xForwardedFor]?.split(separator: ",").last {
                address = forwarded.trimmingCharacters(in: .whitespaces)
            }
        }
        return Self.ipv6Block(address) ?? address
    }

    /// `2001:db8:1:2::/64` for any IPv6 address in that block; nil for anything else.
    static func ipv6Block(_ address: String) -> String? {
        var bytes = in6_addr()
        guard address.contains(":"), inet_pton(AF_INET6, address, &bytes) == 1 else { return nil }
        let prefix = withUnsafeBytes(of: bytes) { Array($0.prefix(8)) }
        let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(prefix[$0]) << 8 | UInt16(prefix[$0 + 1]), radix: 16) }
        return groups.joined(separator: ":") + "::/64"
    }

    /// An absolute URL on this server, as DRF's API roots show them.
    func absoluteURL(_ request: Request, path: String) -> String {
        let host = request.head.authority ?? "localhost"
        let scheme = trustProxy ? (request.headers[.xForwardedProto] ?? "http") : "http"
        return "\(scheme)://\(host)\(path)"
    }
}

/// Path ids checked the way the original's custom permission does: digits only, else a 400
/// with the original's message.
func pathID(_ context: AppRequestContext, _ name: String, notAnInt message: String) throws -> Int64 {
    guard let text = context.parameters.get(name), !text.isEmpty, text.allSatisfy(\.isASCII), text.allSatisfy(\.isNumber),
          let id = Int64(text)
    else { throw APIError.badRequest(message) }
    return id
}

extension HTTPField.Name {
    static let xForwardedFor = Self("X-Forwarded-For")!
    static let xForwardedProto = Self("X-Forwarded-Proto")!
    static let xRealIP = Self("X-Real-IP")!
}
