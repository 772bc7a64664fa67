import Foundation

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
    /// `users` are typing in the conversation: relayed to the members' `chat_stream` sockets
    /// as it is, never stored.
    case typing(conversation: ConversationID, users: [UserID])
    /// `user` came online or went offline: relayed to the sockets of people who share a
    /// conversation with them, never stored (a client reads the present over REST).
    case presenceChanged(user: UserID, online: Bool, lastSeen: Date?)
    /// The topic's user was deactivated or deleted: their sockets close, in every process.
    case accountClosed

    /// Relayed to `chat_stream` sockets as a frame of its own instead of waking their log reads.
    public var isRelayed: Bool {
        switch self {
        case .typing, .presenceChanged: true
        case .interestChanged, .chatMessagePosted, .eventLogAppended, .accountClosed: false
        }
    }

    /// The original's notification text for this event (nil: not a v1 notification).
    public var notificationText: String? {
        switch self {
        case .interestChanged: "UPDATE_INTEREST"
        case .chatMessagePosted: "UPDATE_CHAT"
        case .eventLogAppended, .typing, .presenceChanged, .accountClosed: nil
        }
    }
}
