import Foundation

/// What the database keeps of presence (who is online now lives in a `PresenceRegistry`).
public protocol PresenceStore: Sendable {
    /// The records of those of `users` that have one (a user without one shows presence and was
    /// never seen offline).
    func presenceRecords(of users: [UserID]) async throws -> [UserID: PresenceRecord]
    /// When `users` went offline.
    func setLastSeen(_ users: [UserID], at date: Date) async throws
    func setPresenceHidden(_ user: UserID, _ hidden: Bool) async throws
}
