import Foundation
import RedisClient
import SwiftChatCore

/// Presence across processes: one sorted set in Redis, `<channel>:presence`, each member a user
/// scored by the time their presence lapses. Processes refresh their users' scores every
/// heartbeat; a Lua script takes the lapsed ones out atomically, so each departure is reported
/// to exactly one process, and a killed process's users lapse within the TTL.
public struct RedisPresence: PresenceRegistry {
    let key: String
    let send: @Sendable ([String]) async throws -> RESPValue
    /// Users refreshed or asked about per command, so no command grows with a process's sockets.
    static let batch = 1000

    public init(channel: String, broker: RedisBroker) {
        key = channel + ":presence"
        send = { try await broker.command($0) }
    }

    public func refresh(_ users: [UserID], until expiresAt: Date, now: Date) async throws -> [UserID] {
        var arrived: [UserID] = []
        for start in stride(from: 0, to: users.count, by: Self.batch) {
            let slice = Array(users[start..<min(start + Self.batch, users.count)])
            let before = try await scores(of: slice)
            arrived += zip(slice, before).filter { $0.1.map { $0 <= Self.millis(now) } ?? true }.map(\.0)
            let expiry = String(Self.millis(expiresAt))
            // GT: a refresh never shortens what another process promised.
            _ = try await send(["ZADD", key, "GT"] + slice.flatMap { [expiry, String($0.rawValue)] })
        }
        return arrived
    }

    public func expire(at date: Date) async throws -> [UserID] {
        let script = """
            local gone = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, \(Self.batch))
            if #gone > 0 then redis.call('ZREM', KEYS[1], unpack(gone)) end
            return gone
            """
        guard case .array(let gone?) = try await send(["EVAL", script, "1", key, String(Self.millis(date))]) else { return [] }
        return gone.compactMap { Self.text($0).flatMap(Int64.init).map(UserID.init(rawValue:)) }
    }

    public func online(among users: [UserID], at date: Date) async throws -> Set<UserID> {
        var online = Set<UserID>()
        for start in stride(from: 0, to: users.count, by: Self.batch) {
            let slice = Array(users[start..<min(start + Self.batch, users.count)])
            for (user, score) in zip(slice, try await scores(of: slice)) where (score ?? 0) > Self.millis(date) { online.insert(user) }
        }
        return online
    }

    public func onlineCount(at date: Date) async throws -> Int {
        // Scores above `date`: "(" makes the bound exclusive, as `online(among:at:)` compares.
        guard case .integer(let count) = try await send(["ZCOUNT", key, "(\(Self.millis(date))", "+inf"]) else {
            throw RedisClientError.protocolViolation("ZCOUNT answered no integer")
        }
        return Int(count)
    }

    private func scores(of users: [UserID]) async throws -> [Int64?] {
        guard !users.isEmpty else { return [] }
        guard case .array(let values?) = try await send(["ZMSCORE", key] + users.map { String($0.rawValue) }), values.count == users.count else {
            throw RedisClientError.protocolViolation("ZMSCORE answered no array of \(users.count)")
        }
        return values.map { Self.text($0).flatMap(Double.init).map { Int64($0) } }
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    static func text(_ value: RESPValue) -> String? {
        if case .bulkString(let bytes?) = value { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }
}
