import Foundation
import SwiftChatCore

/// Per-user limits on writes that reach other people (each one pushes a notification to
/// someone's socket), answered 429 with `Retry-After`.
struct WriteThrottles: Sendable {
    let messages: RateLimiter
    let interests: RateLimiter
    let now: @Sendable () -> Date

    init(messagesPerMinute: Int, interestChangesPerMinute: Int, now: @escaping @Sendable () -> Date) {
        messages = RateLimiter(limit: messagesPerMinute, window: 60)
        interests = RateLimiter(limit: interestChangesPerMinute, window: 60)
        self.now = now
    }

    func chatMessage(by user: UserID) throws {
        if let wait = messages.hit(user.description, now: now()) { throw APIError.throttled(retryAfterSeconds: wait) }
    }

    func interestChange(by user: UserID) throws {
        if let wait = interests.hit(user.description, now: now()) { throw APIError.throttled(retryAfterSeconds: wait) }
    }

    func purge() {
        let current = now()
        messages.purge(now: current)
        interests.purge(now: current)
    }
}
