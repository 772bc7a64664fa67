/// The events each change appends, in one place, so that both stores write the same ones.
/// A change's store call passes who is entitled to see it, as the members are at commit.
public enum EventDrafts {
    public static func messageCreated(_ message: ChatMessage, recipients: [UserID]) -> EventDraft {
        EventDraft(type: .messageCreated, data: .object([("message", V2Representation.message(message))]), recipients: recipients)
    }

    /// `message.updated` (an edit) or `message.deleted` (its tombstone), with the message as it now is.
    public static func messageChanged(_ type: EventType, _ message: ChatMessage, recipients: [UserID]) -> EventDraft {
        EventDraft(type: type, data: .object([("message", V2Representation.message(message))]), recipients: recipients)
    }

    public static func conversation(_ type: EventType, _ conversation: Conversation, recipients: [UserID]) -> EventDraft {
        EventDraft(type: type, data: .object([("conversation", V2Representation.conversation(conversation))]), recipients: recipients)
    }

    public static func conversationDeleted(_ id: ConversationID, recipients: [UserID]) -> EventDraft {
        EventDraft(type: .conversationDeleted, data: .object([("conversation", .id(id))]), recipients: recipients)
    }

    public static func member(_ type: EventType, conversation: ConversationID, user: UserID, role: MemberRole?, recipients: [UserID]) -> EventDraft {
        var pairs: [(String, JSONValue)] = [("conversation", .id(conversation)), ("user", .id(user))]
        if let role { pairs.append(("role", .string(role.rawValue))) }
        return EventDraft(type: type, data: .object(pairs), recipients: recipients)
    }

    public static func receipt(conversation: ConversationID, user: UserID, lastRead: ChatMessageID, recipients: [UserID]) -> EventDraft {
        EventDraft(type: .receiptUpdated, data: .object([
            ("conversation", .id(conversation)), ("user", .id(user)), ("last_read_message_id", .id(lastRead)),
        ]), recipients: recipients)
    }

    public static func interestChanged(_ interest: Interest) -> EventDraft {
        EventDraft(type: .interestChanged, data: .object([("interest", .id(interest.id))]), recipients: Array(Set(interest.parties)).sorted())
    }
}
