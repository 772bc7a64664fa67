import Foundation

/// One entry of a user's event log: `seq` grows by exactly one per event of that user.
/// `data` is the event's JSON object, written once when the change committed.
public struct LoggedEvent: Sendable, Equatable {
    public var seq: Int64
    public var type: EventType
    public var at: Date
    public var data: String

    public init(seq: Int64, type: EventType, at: Date, data: String) {
        self.seq = seq
        self.type = type
        self.at = at
        self.data = data
    }

    /// `{"seq", "type", "at", "data"}`, with `data` as stored.
    public var json: String {
        var out = "{\"seq\":\(seq),\"type\":"
        JSONValue.string(type.rawValue).write(to: &out)
        out += ",\"at\":\"\(ISOTimestamp.string(at))\",\"data\":"
        out += data
        out += "}"
        return out
    }
}

public enum EventType: String, Sendable, CaseIterable {
    case messageCreated = "message.created"
    case messageUpdated = "message.updated"
    case messageDeleted = "message.deleted"
    case conversationCreated = "conversation.created"
    case conversationUpdated = "conversation.updated"
    case conversationDeleted = "conversation.deleted"
    case memberAdded = "member.added"
    case memberRemoved = "member.removed"
    case memberUpdated = "member.updated"
    case interestChanged = "interest.changed"
    case receiptUpdated = "receipt.updated"
}

/// An event to append, in the transaction of its change, to each recipient's log.
public struct EventDraft: Sendable, Equatable {
    public var type: EventType
    public var data: String
    public var recipients: [UserID]

    public init(type: EventType, data: JSONValue, recipients: [UserID]) {
        self.type = type
        self.data = data.serialized
        self.recipients = recipients
    }
}

/// A read of one user's log.
public struct EventSlice: Sendable, Equatable {
    public var events: [LoggedEvent]
    /// The user's newest seq (0: no events yet).
    public var latestSeq: Int64
    /// The oldest seq still kept; `latestSeq + 1` when none are.
    public var oldestSeq: Int64

    public init(events: [LoggedEvent], latestSeq: Int64, oldestSeq: Int64) {
        self.events = events
        self.latestSeq = latestSeq
        self.oldestSeq = oldestSeq
    }
}
