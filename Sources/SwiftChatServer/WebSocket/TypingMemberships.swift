import SwiftChatCore

/// The conversations a socket's user was lately found to be a member of, so that a typist
/// repeating every few seconds costs one membership read per `lifetime`, not one per repeat.
/// Stale knowledge is harmless: `TypingRelay` names only members as they are at relay time.
struct TypingMemberships {
    static let lifetime: Duration = .seconds(30)
    /// More than `TypingLimiter` lets through in a lifetime is never needed.
    static let capacity = 16

    private var confirmed: [ConversationID: ContinuousClock.Instant] = [:]

    func isKnown(_ conversation: ConversationID, at now: ContinuousClock.Instant = .now) -> Bool {
        confirmed[conversation].map { now - $0 < Self.lifetime } ?? false
    }

    mutating func confirm(_ conversation: ConversationID, at now: ContinuousClock.Instant = .now) {
        if confirmed.count >= Self.capacity { confirmed = confirmed.filter { now - $0.value < Self.lifetime } }
        if confirmed.count >= Self.capacity, let oldest = confirmed.min(by: { $0.value < $1.value })?.key { confirmed[oldest] = nil }
        confirmed[conversation] = now
    }
}
