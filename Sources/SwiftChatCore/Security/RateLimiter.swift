import Foundation
import Synchronization

/// A sliding-window counter per key (a phone number, a client address, a user): at most `limit`
/// hits in any `window`. Kept in memory; each instance of a scaled-out deployment counts alone.
/// At most `maxKeys` keys are kept: when full, keys whose hits have aged out go first, then the
/// least recently hit half, so a flood of new keys costs memory only up to the bound.
public final class RateLimiter: Sendable {
    public let limit: Int
    public let window: TimeInterval
    public let maxKeys: Int
    private let hits = Mutex<[String: [Date]]>([:])

    public init(limit: Int, window: TimeInterval, maxKeys: Int = 50_000) {
        self.limit = limit
        self.window = window
        self.maxKeys = maxKeys
    }

    /// Records a hit for `key` unless the key is over its limit. Returns nil when the hit is
    /// allowed, or the seconds until the next one would be.
    public func hit(_ key: String, now: Date) -> Int? {
        guard limit > 0 else { return nil }
        return hits.withLock { table in
            if let wait = Self.wait(in: &table, key: key, limit: limit, window: window, now: now) { return wait }
            Self.record(in: &table, key: key, now: now, maxKeys: maxKeys, window: window)
            return nil
        }
    }

    /// The seconds until `key` may be hit again, without recording anything; nil when it may now.
    public func wait(_ key: String, now: Date) -> Int? {
        guard limit > 0 else { return nil }
        return hits.withLock { Self.wait(in: &$0, key: key, limit: limit, window: window, now: now) }
    }

    /// Records a hit whatever the count (for limits on failures, checked with `wait` first).
    public func record(_ key: String, now: Date) {
        guard limit > 0 else { return }
        hits.withLock { Self.record(in: &$0, key: key, now: now, maxKeys: maxKeys, window: window) }
    }

    /// Drops keys whose hits have all aged out (called now and then, off the request path).
    public func purge(now: Date) {
        let cutoff = now.addingTimeInterval(-window)
        hits.withLock { table in table = table.filter { $0.value.last.map { $0 > cutoff } ?? false } }
    }

    var keyCount: Int { hits.withLock { $0.count } }

    private static func wait(in table: inout [String: [Date]], key: String, limit: Int, window: TimeInterval, now: Date) -> Int? {
        guard var recent = table[key] else { return nil }
        let cutoff = now.addingTimeInterval(-window)
        if let stale = recent.firstIndex(where: { $0 > cutoff }) {
            if stale > 0 { recent.removeFirst(stale) }
        } else {
            recent = []
        }
        table[key] = recent.isEmpty ? nil : recent
        guard recent.count >= limit else { return nil }
        let waited = recent[recent.count - limit].addingTimeInterval(window).timeIntervalSince(now)
        return max(1, Int(waited.rounded(.up)))
    }

    private static func record(in table: inout [String: [Date]], key: String, now: Date, maxKeys: Int, window: TimeInterval) {
        if table[key] == nil && table.count >= maxKeys {
            let cutoff = now.addingTimeInterval(-window)
            table = table.filter { $0.value.last.map { $0 > cutoff } ?? false }
            if table.count >= maxKeys {
                let newestFirst = table.sorted { ($0.value.last ?? .distantPast) > ($1.value.last ?? .distantPast) }
                table = Dictionary(uniqueKeysWithValues: newestFirst.prefix(maxKeys / 2).map { ($0.key, $0.value) })
            }
        }
        table[key, default: []].append(now)
    }
}
