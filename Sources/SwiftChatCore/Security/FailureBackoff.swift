import Foundation
import Synchronization

/// Failures per key (wrong codes for a phone number) with a growing back-off: the first
/// `freeFailures` in a `window` cost nothing; each one after that locks the key for twice as
/// long as the last, from 1 s up to `maxLock`. A success clears the key. At most `maxKeys`
/// keys are kept: the oldest failures are forgotten first, locks still running last, so that
/// filling the table with made-up keys does not lift a lock.
public final class FailureBackoff: Sendable {
    public let freeFailures: Int
    public let window: TimeInterval
    public let maxLock: TimeInterval
    private let maxKeys: Int
    private struct Entry {
        var failures: Int
        var lastFailure: Date
        var lockedUntil: Date
    }
    private let entries = Mutex<[String: Entry]>([:])

    public init(freeFailures: Int, window: TimeInterval, maxLock: TimeInterval, maxKeys: Int = 50_000) {
        self.freeFailures = freeFailures
        self.window = window
        self.maxLock = maxLock
        self.maxKeys = maxKeys
    }

    private var enabled: Bool { freeFailures > 0 }

    /// The seconds `key` stays locked, or nil when it is not.
    public func lockRemaining(_ key: String, now: Date) -> Int? {
        guard enabled else { return nil }
        return entries.withLock { table in
            guard let entry = table[key], entry.lockedUntil > now else { return nil }
            return max(1, Int(entry.lockedUntil.timeIntervalSince(now).rounded(.up)))
        }
    }

    public func recordFailure(_ key: String, now: Date) {
        guard enabled else { return }
        entries.withLock { table in
            var entry = table[key] ?? Entry(failures: 0, lastFailure: now, lockedUntil: .distantPast)
            if now.timeIntervalSince(entry.lastFailure) > window { entry.failures = 0 }
            entry.failures += 1
            entry.lastFailure = now
            let beyond = entry.failures - freeFailures
            if beyond > 0 {
                let lock = min(maxLock, pow(2, Double(min(beyond - 1, 40))))
                entry.lockedUntil = now.addingTimeInterval(lock)
            }
            if table[key] == nil && table.count >= maxKeys {
                let keptFirst = table.sorted { a, b in
                    let (aLocked, bLocked) = (a.value.lockedUntil > now, b.value.lockedUntil > now)
                    return aLocked != bLocked ? aLocked : a.value.lastFailure > b.value.lastFailure
                }
                table = Dictionary(uniqueKeysWithValues: keptFirst.prefix(maxKeys / 2).map { ($0.key, $0.value) })
            }
            table[key] = entry
        }
    }

    public func recordSuccess(_ key: String) {
        _ = entries.withLock { $0.removeValue(forKey: key) }
    }

    /// Drops keys whose failures have aged out.
    public func purge(now: Date) {
        entries.withLock { table in table = table.filter { now.timeIntervalSince($0.value.lastFailure) <= window } }
    }
}
