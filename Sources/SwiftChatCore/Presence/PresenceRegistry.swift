import Foundation

/// Who is online. A user is while any of their sockets is open in any process: each process
/// refreshes the users it holds sockets of every heartbeat, and a user nobody refreshed within
/// the TTL has gone, so a killed process cannot leave anyone online for longer than that.
/// In one process it lives in memory (`InMemoryPresence`); across processes, in Redis.
public protocol PresenceRegistry: Sendable {
    /// Keeps `users` online until `expiresAt`; answers those who were not online before.
    func refresh(_ users: [UserID], until expiresAt: Date, now: Date) async throws -> [UserID]
    /// Forgets and answers the users whose time ran out by `date`, each to one caller only, so
    /// that one process announces each departure.
    func expire(at date: Date) async throws -> [UserID]
    /// Which of `users` are online at `date`.
    func online(among users: [UserID], at date: Date) async throws -> Set<UserID>
    /// How many users are online at `date` (the admin site's dashboard).
    func onlineCount(at date: Date) async throws -> Int
}
