import Foundation
import HTTPTypes
import Hummingbird
import SwiftChatCore

/// What every controller needs: the services and the few settings that shape requests.
struct APIContext: Sendable {
    let auth: AuthService
    let users: UserService
    let interests: InterestService
    let messages: ChatMessageService
    let maxBodySize: Int
    let throttles: WriteThrottles
    let search: SearchLimits
    let attachmentLinks: AttachmentLinkSigner
    /// Whose client-address headers are believed; empty: nobody's (the peer address counts).
    let trustedProxies: [AddressBlock]
    /// `X-Forwarded-Proto` is believed for absolute URLs (behind a proxy).
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

    /// The client address for rate limits: the peer, or, when the peer is a trusted proxy, the
    /// address the proxy saw (`X-Real-IP`, else the last `X-Forwarded-For` hop: earlier hops
    /// are the client's own word), if it is an IP address at all.
    func clientAddress(_ request: Request, _ context: AppRequestContext) -> String {
        let peer = context.peerAddress ?? "unknown"
        var address = peer
        if trustedProxies.contains(where: { $0.contains(peer) }) {
            let claimed = request.headers[.xRealIP] ?? request.headers[.xForwardedFor]?.split(separator: ",").last.map(String.init)
            if let claimed = claimed?.trimmingCharacters(in: .whitespaces), AddressBlock.bytes(of: claimed) != nil {
                address = claimed
            }
        }
        return Self.rateLimitKey(address)
    }

    /// One key per client: an IPv4 address (also when it reaches a dual-stack listener as
    /// `::ffff:a.b.c.d`), or the /64 of an IPv6 address, the block one host usually has.
    static func rateLimitKey(_ address: String) -> String {
        guard let bytes = AddressBlock.bytes(of: address) else { return address.count <= 64 ? address : "unknown" }
        if bytes.count == 4 { return bytes.map(String.init).joined(separator: ".") }
        let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
        return groups.joined(separator: ":") + "::/64"
    }

    /// DRF's SearchFilter splits the query on whitespace and commas; each word is one more
    /// clause in the query, so their count and length are bounded.
    func searchTerms(_ text: String) throws -> [String] {
        let terms = text.split(whereSeparator: { $0.isWhitespace || $0 == "," })
        guard terms.count <= search.maxTerms else { throw APIError.badRequest("A search takes at most \(search.maxTerms) words.") }
        guard terms.allSatisfy({ $0.count <= search.maxTermLength }) else {
            throw APIError.badRequest("A search word has at most \(search.maxTermLength) characters.")
        }
        guard !text.utf8.contains(0) else { throw APIError.badRequest(ErrorText.nullCharacters) }
        return terms.map(String.init)
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
