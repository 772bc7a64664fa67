/// The v2 JSON shapes (`v2-api.md` §1), shared by the routes and the stored events.
public enum V2Representation {
    /// `{id, phone_number, email, first_name, last_name}`, as v1 shows a user.
    public static func baseUser(_ user: User) -> JSONValue {
        .object([
            ("id", .int(user.id)), ("phone_number", .string(user.phoneNumber)), ("email", .string(user.email)),
            ("first_name", .string(user.firstName)), ("last_name", .string(user.lastName)),
        ])
    }

    public static func message(_ message: ChatMessage) -> JSONValue {
        .object([
            ("id", .int(message.id)), ("conversation", .int(message.conversationID)), ("sender", .int(message.userID)),
            ("text", .string(message.message)), ("client_id", .string(message.clientID)),
            ("created_at", .string(ISOTimestamp.string(message.createdAt))),
        ])
    }

    public static func member(_ member: ConversationMember) -> JSONValue {
        .object([
            ("user", baseUser(member.user)), ("role", .string(member.role.rawValue)),
            ("joined_at", .string(ISOTimestamp.string(member.joinedAt))),
        ])
    }

    public static func conversation(_ conversation: Conversation) -> JSONValue {
        .object([
            ("id", .int(conversation.id)), ("kind", .string(conversation.kind.rawValue)), ("title", .string(conversation.title)),
            ("interest", conversation.interestID.map(JSONValue.int) ?? .null),
            ("created_at", .string(ISOTimestamp.string(conversation.createdAt))), ("created_by", .int(conversation.createdBy)),
            ("members", .array(conversation.members.map(member))),
            ("last_message", conversation.lastMessage.map(message) ?? .null),
            ("latest_message_id", conversation.lastMessage.map { .int($0.id) } ?? .null),
        ])
    }
}
