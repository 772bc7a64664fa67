import Foundation

/// What the store keeps of a user's presence: whether they hide it, and when they were last
/// seen online (set when their presence lapses).
public struct PresenceRecord: Sendable, Equatable {
    public var hidden: Bool
    public var lastSeen: Date?

    public init(hidden: Bool = false, lastSeen: Date? = nil) {
        self.hidden = hidden
        self.lastSeen = lastSeen
    }
}

/// A user's presence as others see it.
public struct MemberPresence: Sendable, Equatable {
    public var online: Bool
    public var lastSeen: Date?

    public init(online: Bool, lastSeen: Date?) {
        self.online = online
        self.lastSeen = lastSeen
    }

    /// What someone who hides their presence shows: nothing.
    public static let unknown = MemberPresence(online: false, lastSeen: nil)
}
