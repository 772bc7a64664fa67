import Foundation
import Hummingbird
import SwiftChatCore

/// Decides whether a WebSocket handshake at `/ws/` may proceed: an access JWT in `?token=`
/// (the first value; the `Authorization` header is ignored, as in the original), a user that
/// still exists, and, when origins are configured, an allowed `Origin` (D14).
struct WebSocketGate: Sendable {
    let auth: AuthService
    let corsOrigins: Set<String>
    /// `ALLOWED_HOSTS` entries other than `*`; `.example.com` matches subdomains, as Django's.
    let allowedHosts: [String]
    /// Open sockets per user, and how many one user may have (0: no limit).
    let sockets: SocketCounters
    let maxSocketsPerUser: Int
    /// Users admitted by the handshake gate, for the upgrade that follows on the same connection.
    let admissions = AdmittedConnections()

    init(auth: AuthService, corsOrigins: [String], allowedHosts: [String], sockets: SocketCounters = SocketCounters(), maxSocketsPerUser: Int = 0) {
        self.auth = auth
        self.corsOrigins = Set(corsOrigins)
        self.allowedHosts = allowedHosts.filter { $0 != "*" }.map { $0.lowercased() }
        self.sockets = sockets
        self.maxSocketsPerUser = maxSocketsPerUser
    }

    enum Refusal: Error {
        case noToken, badToken, origin
        /// The user already has as many sockets open as allowed.
        case tooManySockets
    }

    func admit(_ request: Request) async -> Result<User, Refusal> {
        await admit(token: request.uri.queryParameters.get("token"), origin: request.headers[.origin])
    }

    /// The user the handshake gate admitted on this connection. Every upgrade is a connection's
    /// first request, which the gate reads: a later one is sent back to reconnect (307 and close,
    /// by the WebSocket library), so no upgrade passes without the gate's admission.
    func admittedUser(on connection: ObjectIdentifier) -> User? {
        admissions.user(of: connection)
    }

    func admit(token: String?, origin: String?) async -> Result<User, Refusal> {
        guard originAllowed(origin) else { return .failure(.origin) }
        guard let token, !token.isEmpty else { return .failure(.noToken) }
        let user: User
        do {
            user = try await auth.authenticate(accessToken: token)
        } catch {
            return .failure(.badToken)
        }
        // Refused before the upgrade, with a status a client can read. Two handshakes racing for
        // the last place are settled after it, by the socket's own count (close 1008).
        if maxSocketsPerUser > 0 && sockets.openCount(of: user.id) >= maxSocketsPerUser { return .failure(.tooManySockets) }
        return .success(user)
    }

    /// Browsers always send `Origin`; other clients may leave it out, and can forge it anyway,
    /// so a missing one is let through.
    func originAllowed(_ origin: String?) -> Bool {
        guard !corsOrigins.isEmpty || !allowedHosts.isEmpty, let origin else { return true }
        if corsOrigins.contains(origin) { return true }
        guard let host = URL(string: origin)?.host?.lowercased() else { return false }
        return allowedHosts.contains { pattern in
            pattern.hasPrefix(".") ? host == pattern.dropFirst() || host.hasSuffix(pattern) : host == pattern
        }
    }
}
