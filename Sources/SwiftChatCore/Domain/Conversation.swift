import Foundation

/// A direct conversation belongs to one interest and holds its two parties; a group is made
/// by a user and holds up to `SWIFTCHAT_GROUP_MAX_MEMBERS` members.
public enum ConversationKind: String, Sendable, CaseIterable {
    case direct, group
}

/// What a member may do in a group. Direct conversations have two plain members.
public enum MemberRole: String, Sendable, CaseIterable {
    case owner, admin, member

    /// Owners and admins add and remove members and rename the group.
    public var managesMembers: Bool { self != .member }
}

public struct Conversation: Sendable, Equatable {
    public var id: ConversationID
    public var kind: ConversationKind
    public var title: String?
    public var interestID: InterestID?
    public var createdAt: Date
    public var createdBy: UserID
    /// Longest-standing first.
    public var members: [ConversationMember]
    public var lastMessage: ChatMessage?

    public init(
        id: ConversationID, kind: ConversationKind, title: String?, interestID: InterestID?, createdAt: Date, createdBy: UserID,
        members: [ConversationMember], lastMessage: ChatMessage?
    ) {
        self.id = id
        self.kind = kind
        self.title = title
        self.interestID = interestID
        self.createdAt = createdAt
        self.createdBy = createdBy
        self.members = members
        self.lastMessage = lastMessage
    }

    public func member(_ user: UserID) -> ConversationMember? { members.first { $0.user.id == user } }
    public var memberIDs: [UserID] { members.map(\.user.id) }
}

public struct ConversationMember: Sendable, Equatable {
    public var user: User
    public var role: MemberRole
    public var joinedAt: Date
    /// The latest message the member has read (nil: none yet). It only moves forward; a member
    /// who joins starts at the conversation's latest message.
    public var lastReadMessageID: ChatMessageID?

    public init(user: User, role: MemberRole, joinedAt: Date, lastReadMessageID: ChatMessageID? = nil) {
        self.user = user
        self.role = role
        self.joinedAt = joinedAt
        self.lastReadMessageID = lastReadMessageID
    }
}

/// Where a page of the caller's conversations starts: after the one with this activity time
/// and id (latest activity first).
public struct ConversationCursor: Sendable, Equatable {
    public var activityMicros: Int64
    public var id: ConversationID

    public init(activityMicros: Int64, id: ConversationID) {
        self.activityMicros = activityMicros
        self.id = id
    }

    /// The opaque text a client passes back: `<activity>.<id>`.
    public var text: String { "\(activityMicros).\(id)" }

    public init?(text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let activity = Int64(parts[0]), let id = ConversationID(parts[1]), id.rawValue > 0 else { return nil }
        self.init(activityMicros: activity, id: id)
    }
}

/// One page of the caller's conversations, with where the next one starts.
public struct ConversationPage: Sendable, Equatable {
    public var conversations: [Conversation]
    public var next: ConversationCursor?

    public init(conversations: [Conversation], next: ConversationCursor?) {
        self.conversations = conversations
        self.next = next
    }
}

/// Which messages of a conversation a history page holds (ascending ids either way).
public enum MessageWindow: Sendable, Equatable {
    /// The latest `limit`.
    case latest
    /// The `limit` just before this id.
    case before(ChatMessageID)
    /// The `limit` just after this id.
    case after(ChatMessageID)
}

public struct MessagePage: Sendable, Equatable {
    public var messages: [ChatMessage]
    /// More messages lie beyond the page in the direction it was read.
    public var hasMore: Bool

    public init(messages: [ChatMessage], hasMore: Bool) {
        self.messages = messages
        self.hasMore = hasMore
    }
}

/// A post with a `client_id` the sender already used in the conversation answers the first message.
public enum PostOutcome: Sendable, Equatable {
    case created(ChatMessage)
    case existing(ChatMessage)

    public var message: ChatMessage {
        switch self {
        case .created(let message), .existing(let message): message
        }
    }
}

/// What moving a read marker did.
public enum ReadOutcome: Sendable, Equatable {
    case notMember
    /// The message is not one of the conversation's.
    case unknownMessage
    /// The marker moved to this message.
    case moved(ChatMessageID)
    /// The marker was already there or further on; it stays where it was.
    case unchanged(ChatMessageID)
}

/// What removing a member left behind.
public enum RemovalOutcome: Sendable, Equatable {
    case notMember
    /// Removed; `newOwner` when the leaver owned the group and handed it on.
    case removed(newOwner: UserID?)
    /// The last member left, so the group is gone.
    case groupDeleted
}
