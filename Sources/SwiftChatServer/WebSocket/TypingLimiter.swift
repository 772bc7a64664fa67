import SwiftChatCore

/// How often one socket may announce typing: once per conversation every `interval`, and at
/// most `perInterval` announcements in any `interval` over all conversations, so that a client
/// cannot make the server read member lists or publish faster than people type. What goes over
/// is dropped quietly: typing indicators are best-effort, and clients repeat them anyway.
struct TypingLimiter {
    static let interval: Duration = .seconds(2)
    static let perInterval = 4

    private var lastRelay: [ConversationID: ContinuousClock.Instant] = [:]
    private var windowStart: ContinuousClock.Instant?
    private var inWindow = 0

    mutating func allows(_ conversation: ConversationID, at now: ContinuousClock.Instant = .now) -> Bool {
        if windowStart.map({ now - $0 >= Self.interval }) ?? true {
            windowStart = now
            inWindow = 0
            // Only entries young enough to refuse a repeat stay, so the table stays this small.
            lastRelay = lastRelay.filter { now - $0.value < Self.interval }
        }
        guard inWindow < Self.perInterval else { return false }
        if let last = lastRelay[conversation], now - last < Self.interval { return false }
        lastRelay[conversation] = now
        inWindow += 1
        return true
    }
}
