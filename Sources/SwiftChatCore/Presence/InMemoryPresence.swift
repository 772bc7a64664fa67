import Foundation
import Synchronization

/// Presence in this process's memory, for a single process (the in-process broker's partner).
public final class InMemoryPresence: PresenceRegistry {
    private let expiries = Mutex<[UserID: Date]>([:])

    public init() {}

    public func refresh(_ users: [UserID], until expiresAt: Date, now: Date) async throws -> [UserID] {
        expiries.withLock { expiries in
            users.filter { user in
                defer { expiries[user] = max(expiries[user] ?? expiresAt, expiresAt) }
                return (expiries[user].map { $0 <= now }) ?? true
            }
        }
    }

    public func expire(at date: Date) async throws -> [UserID] {
        expiries.withLock { expiries in
            let gone = expiries.filter { $0.value <= date }.map(\.key).sorted()
            for user in gone { expiries[user] = nil }
            return gone
        }
    }

    public func online(among users: [UserID], at date: Date) async throws -> Set<UserID> {
        expiries.withLock { expiries in Set(users.filter { (expiries[$0].map { $0 > date }) ?? false }) }
    }

    public func onlineCount(at date: Date) async throws -> Int {
        expiries.withLock { expiries in expiries.values.count { $0 > date } }
    }
}
