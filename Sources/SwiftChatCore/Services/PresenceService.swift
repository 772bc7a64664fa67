import Foundation
import Logging

/// Online and last seen. Each process calls `heartbeat` every `ttl / 3` with the users it holds
/// sockets of, and `connected` when a user's first socket there opens; people who share a
/// conversation with a user hear `presence.changed` when they come and when their presence
/// lapses (one process reports each departure). A user who hides their presence is never
/// announced and shows as unknown to others.
public struct PresenceService: Sendable {
    let store: any ChatStore
    let broker: any Broker
    let registry: any PresenceRegistry
    public let ttl: TimeInterval
    let logger: Logger
    let now: @Sendable () -> Date

    public init(
        store: any ChatStore, broker: any Broker, registry: any PresenceRegistry, ttl: TimeInterval, logger: Logger,
        now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.broker = broker
        self.registry = registry
        self.ttl = ttl
        self.logger = logger
        self.now = now
    }

    public var heartbeatInterval: TimeInterval { ttl / 3 }

    /// Users online now, in every process.
    public func onlineCount() async throws -> Int {
        try await registry.onlineCount(at: now())
    }

    /// Refreshes `users` (this process's), then takes out and announces whoever lapsed.
    public func heartbeat(_ users: [UserID]) async {
        let date = now()
        do {
            try await announce(try await registry.refresh(users, until: date.addingTimeInterval(ttl), now: date), online: true, lastSeen: nil)
            let gone = try await registry.expire(at: date)
            guard !gone.isEmpty else { return }
            try await store.setLastSeen(gone, at: date)
            try await announce(gone, online: false, lastSeen: date)
        } catch {
            logger.warning("presence heartbeat failed; it is tried again on the next one", metadata: ["error": "\(error)"])
        }
    }

    /// A user's first socket in this process: online at once, not at the next heartbeat.
    public func connected(_ user: UserID) async {
        let date = now()
        do {
            try await announce(try await registry.refresh([user], until: date.addingTimeInterval(ttl), now: date), online: true, lastSeen: nil)
        } catch {
            logger.warning("presence not refreshed", metadata: ["user": "\(user)", "error": "\(error)"])
        }
    }

    /// How `viewer` sees each of `users`: themselves always, others unless they hide it.
    public func presence(of users: [UserID], for viewer: UserID) async throws -> [UserID: MemberPresence] {
        guard !users.isEmpty else { return [:] }
        let online: Set<UserID>
        do {
            online = try await registry.online(among: users, at: now())
        } catch {
            // Redis away: nobody is known to be online; the rest of the answer still holds.
            online = []
        }
        let records = try await store.presenceRecords(of: users)
        var shown: [UserID: MemberPresence] = [:]
        for user in users {
            let record = records[user] ?? PresenceRecord()
            shown[user] = record.hidden && user != viewer ? .unknown : MemberPresence(online: online.contains(user), lastSeen: record.lastSeen)
        }
        return shown
    }

    public func isHidden(_ user: UserID) async throws -> Bool {
        try await store.presenceRecords(of: [user])[user]?.hidden ?? false
    }

    /// Hiding takes effect at once for others: they are told the user went offline.
    public func setHidden(_ user: UserID, _ hidden: Bool) async throws {
        try await store.setPresenceHidden(user, hidden)
        let others = try await store.coMembers(of: user)
        guard !others.isEmpty else { return }
        let online = try await registry.online(among: [user], at: now()).contains(user)
        let lastSeen = try await store.presenceRecords(of: [user])[user]?.lastSeen
        await broker.publish(Publication(
            event: .presenceChanged(user: user, online: !hidden && online, lastSeen: hidden ? nil : lastSeen), topics: others.map(Topic.eventLog)))
    }

    private func announce(_ users: [UserID], online: Bool, lastSeen: Date?) async throws {
        guard !users.isEmpty else { return }
        let records = try await store.presenceRecords(of: users)
        for user in users where !(records[user]?.hidden ?? false) {
            let others = try await store.coMembers(of: user)
            guard !others.isEmpty else { continue }
            await broker.publish(Publication(event: .presenceChanged(user: user, online: online, lastSeen: lastSeen), topics: others.map(Topic.eventLog)))
        }
    }
}
