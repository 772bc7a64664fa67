import Foundation

/// A signed-in staff user of the admin site. The cookie holds a random token; the store keeps
/// only its SHA-256 (`tokenHash`), so a copy of the database signs no one in. `csrfToken` goes
/// into every form the session is shown and must come back with each POST.
public struct AdminSession: Sendable, Equatable {
    public var tokenHash: String
    public var userID: UserID
    public var csrfToken: String
    public var createdAt: Date
    public var expiresAt: Date

    public init(tokenHash: String, userID: UserID, csrfToken: String, createdAt: Date, expiresAt: Date) {
        self.tokenHash = tokenHash
        self.userID = userID
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.expiresAt = expiresAt
    }
}
