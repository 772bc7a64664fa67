/// A change a user is told about over the notification socket. Typed, so that richer streams
/// (message content, groups, presence) can be added without touching the publishers.
public enum ChatEvent: Sendable, Equatable {
    /// An interest was created, accepted or deleted.
    case interestChanged(InterestID)
    /// A chat message was posted on an interest.
    case chatMessagePosted(interest: InterestID, message: ChatMessageID)
    /// The event logs of the topics' users grew: a wake-up for their `chat_stream` sockets,
    /// which read the events themselves from the store (nothing is lost with a wake-up).
    case eventLogAppended

    /// The original's notification text for this event (nil: not a v1 notification).
    public var notificationText: String? {
        switch self {
        case .interestChanged: "UPDATE_INTEREST"
        case .chatMessagePosted: "UPDATE_CHAT"
        case .eventLogAppended: nil
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

    /// Wake-ups for a user's `chat_stream` sockets.
    public static func eventLog(_ id: UserID) -> Topic { Topic(name: "events-\(id)") }

    public var isEventLog: Bool { name.hasPrefix("events-") }

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

    /// Wakes the `chat_stream` sockets of `users` (each once).
    public static func eventLogAppended(for users: [UserID]) -> Publication {
        Publication(event: .eventLogAppended, topics: Set(users).sorted().map(Topic.eventLog))
    }

    /// `UPDATE_INTEREST` for both parties of an interest.
    public static func interestChanged(_ interest: Interest) -> Publication {
        Publication(event: .interestChanged(interest.id), topics: interest.parties.map(Topic.user))
    }
}
