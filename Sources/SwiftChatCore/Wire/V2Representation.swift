/// The v2 JSON shapes (`v2-api.md` §1), shared by the routes and the stored events.
public enum V2Representation {
    /// `{id, phone_number, email, first_name, last_name}`, as v1 shows a user.
    public static func baseUser(_ user: User) -> JSONValue {
        .object([
            ("id", .id(user.id)), ("phone_number", .string(user.phoneNumber)), ("email", .string(user.email)),
            ("first_name", .string(user.firstName)), ("last_name", .string(user.lastName)),
        ])
    }

    /// `attachment` renders each attachment: its viewer's links are added by the routes and at
    /// delivery (`AttachmentLinkSigner`), never stored.
    public static func message(_ message: ChatMessage, attachment: (Attachment) -> JSONValue = attachment) -> JSONValue {
        .object([
            ("id", .id(message.id)), ("conversation", .id(message.conversationID)), ("sender", .id(message.userID)),
            ("text", .string(message.message)), ("client_id", .string(message.clientID)),
            ("created_at", .string(ISOTimestamp.string(message.createdAt))),
            ("attachments", .array(message.attachments.map(attachment))),
            ("edited_at", message.editedAt.map { .string(ISOTimestamp.string($0)) } ?? .null), ("deleted", .bool(message.isDeleted)),
        ])
    }

    /// `{id, name, type, size, sha256, width, height}`: what was found in the file, links left out.
    public static func attachment(_ attachment: Attachment) -> JSONValue {
        .object([
            ("id", .id(attachment.id)), ("name", .string(attachment.name)), ("type", .string(attachment.mimeType)),
            ("size", .int(attachment.size)), ("sha256", .string(attachment.sha256)), ("width", attachment.width.map { .int(Int64($0)) } ?? .null),
            ("height", attachment.height.map { .int(Int64($0)) } ?? .null),
        ])
    }

    /// `presence`, when the route knows it: `online` and `last_seen` (never in stored events).
    public static func member(_ member: ConversationMember, presence: MemberPresence? = nil) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("user", baseUser(member.user)), ("role", .string(member.role.rawValue)),
            ("joined_at", .string(ISOTimestamp.string(member.joinedAt))), ("last_read_message_id", .id(member.lastReadMessageID)),
        ]
        if let presence {
            pairs.append(("online", .bool(presence.online)))
            pairs.append(("last_seen", presence.lastSeen.map { .string(ISOTimestamp.string($0)) } ?? .null))
        }
        return .object(pairs)
    }

    /// `reader`: the caller, whose unread count and read marker the routes add (events, which
    /// every member shares, leave them out).
    public static func conversation(
        _ conversation: Conversation, reader: (id: UserID, unread: Int)? = nil, presence: [UserID: MemberPresence]? = nil,
        attachment: (Attachment) -> JSONValue = attachment
    ) -> JSONValue {
        var pairs: [(String, JSONValue)] = [
            ("id", .id(conversation.id)), ("kind", .string(conversation.kind.rawValue)), ("title", .string(conversation.title)),
            ("interest", .id(conversation.interestID)),
            ("created_at", .string(ISOTimestamp.string(conversation.createdAt))), ("created_by", .id(conversation.createdBy)),
            ("members", .array(conversation.members.map { member($0, presence: presence?[$0.user.id]) })),
            ("last_message", conversation.lastMessage.map { message($0, attachment: attachment) } ?? .null),
            ("latest_message_id", .id(conversation.lastMessage?.id)),
        ]
        if let reader {
            pairs.append(("unread_count", .int(Int64(reader.unread))))
            pairs.append(("last_read_message_id", .id(conversation.member(reader.id)?.lastReadMessageID)))
        }
        return .object(pairs)
    }
}
