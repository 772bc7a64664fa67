import Foundation

/// Shared locations, already coarsened, for the nearby list.
public protocol LocationStore: Sendable {
    /// Replaces the user's location; nothing when the user is gone.
    func shareLocation(_ location: SharedLocation) async throws
    /// True when there was one.
    func stopSharingLocation(of user: UserID) async throws -> Bool
    /// The user's location if it has not expired at `now`.
    func sharedLocation(of user: UserID, now: Date) async throws -> SharedLocation?
    /// Sharers matching `query`, each with their cell.
    func usersNear(_ query: NearbyQuery) async throws -> [(user: User, cell: GeoPoint)]
    /// Deletes locations that expired before `date`, at most `limit`; returns how many went.
    func purgeExpiredLocations(before date: Date, limit: Int) async throws -> Int
}
