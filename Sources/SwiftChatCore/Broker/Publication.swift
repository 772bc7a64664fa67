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

    /// Closes every socket of `user`.
    public static func accountClosed(_ user: UserID) -> Publication {
        Publication(event: .accountClosed, topics: [.user(user)])
    }
}
