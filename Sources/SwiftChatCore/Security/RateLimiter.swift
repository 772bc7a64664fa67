import Foundation
import Synchronization

/// A sliding-window counter per key (a phone number or a client address): at most `limit`
/// hits in any `window`. Kept in memory; each instance of a scaled-out deployment counts alone.
public final class RateLimiter: Sendable {
    public let limit: Int
    public let window: TimeInterval
    private let hits = Mutex<[String: [Date]]>([:])

    public init(limit: Int, window: TimeInterval) {
        self.limit = limit
        self.window = window
    }

    /// Records a hit for `key` unless the key is over its limit. Returns nil when the hit is
    /// allowed, or the seconds until the next one would be.
    public func hit(_ key: String, now: Date) -> Int? {
        guard limit > 0 else { return nil }
        return hits.withLock { table in
            let cutoff = now.addingTimeInterval(-window)
            var recent = table[key, default: []].filter { $0 > cutoff }
            defer { table[key] = recent.isEmpty ? nil : recent }
            if recent.count >= limit {
                let waited = recent[0].addingTimeInterval(window).timeIntervalSince(now)
                return max(1, Int(waited.rounded(.up)))
            }
            recent.append(now)
            return nil
        }
    }

    /// Drops keys whose hits have all aged out (called now and then, off the request path).
    public func purge(now: Date) {
        let cutoff = now.addingTimeInterval(-window)
        hits.withLock { table in table = table.filter { $0.value.last.map { $0 > cutoff } ?? false } }
    }
}
