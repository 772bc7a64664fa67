import Foundation

/// What is kept of a location a user shares: its grid cell's centre, never the position sent.
public struct SharedLocation: Sendable, Equatable {
    public let user: UserID
    public let cell: GeoPoint
    /// The accuracy the client claimed, raised to at least the cell size.
    public let accuracyMeters: Int?
    public let expiresAt: Date

    public init(user: UserID, cell: GeoPoint, accuracyMeters: Int?, expiresAt: Date) {
        self.user = user
        self.cell = cell
        self.accuracyMeters = accuracyMeters
        self.expiresAt = expiresAt
    }
}
