/// A change a user is told about over the notification socket. Typed, so that richer streams
/// (message content, groups, presence) can be added without touching the publishers.
public enum ChatEvent: Sendable, Equatable {
    /// An interest was created, accepted or deleted.
    case interestChanged(InterestID)
    /// A chat message was posted on an interest.
    case chatMessagePosted(interest: InterestID, message: ChatMessageID)

    /// The original's notification text for this event.
    public var notificationText: String {
        switch self {
        case .interestChanged: "UPDATE_INTEREST"
        case .chatMessagePosted: "UPDATE_CHAT"
        }
    }
}

/// Where an event is published: a user's personal topic today, a group's tomorrow.
public struct Topic: Hashable, Sendable, CustomStringConvertible {
    public let name: String

    public init(name: String) {
        self.name = name
    }

    /// The original's channel-layer group name, `user-<id>`.
    public static func user(_ id: UserID) -> Topic { Topic(name: "user-\(id)") }

    public var description: String { name }
}

/// One event addressed to topics. A topic listed twice is delivered twice (the original
/// notifies a self-interest's only party twice).
public struct Publication: Sendable, Equatable {
    public var event: ChatEvent
    public var topics: [Topic]

    public init(event: ChatEvent, topics: [Topic]) {
        self.event = event
        self.topics = topics
    }

    /// `UPDATE_INTEREST` for both parties of an interest.
    public static func interestChanged(_ interest: Interest) -> Publication {
        Publication(event: .interestChanged(interest.id), topics: interest.parties.map(Topic.user))
    }
}
