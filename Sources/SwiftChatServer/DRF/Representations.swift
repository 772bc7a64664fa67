import SwiftChatCore

/// The original's JSON shapes, in one place: stored models never reach the wire directly.
enum Representation {
    /// djoser `current_user` / registration: `{id, phone_number, email, first_name, last_name}`.
    static func profile(_ user: User) -> JSONValue {
        .object([
            ("id", .id(user.id)), ("phone_number", .string(user.phoneNumber)), ("email", .string(user.email)),
            ("first_name", .string(user.firstName)), ("last_name", .string(user.lastName)),
        ])
    }

    /// djoser's default `user` serializer: `{id, phone_number}`.
    static func userSummary(_ user: User) -> JSONValue {
        .object([("id", .id(user.id)), ("phone_number", .string(user.phoneNumber))])
    }

    /// The other party inside an interest: `{id, email, first_name, last_name, phone_number}`.
    static func party(_ user: User) -> JSONValue {
        .object([
            ("id", .id(user.id)), ("email", .string(user.email)), ("first_name", .string(user.firstName)),
            ("last_name", .string(user.lastName)), ("phone_number", .string(user.phoneNumber)),
        ])
    }

    /// `{id, sent_to, sent_by, is_accepted, created_at}`.
    static func interest(_ interest: Interest) -> JSONValue {
        .object([
            ("id", .id(interest.id)), ("sent_to", .id(interest.sentTo)), ("sent_by", .id(interest.sentBy)),
            ("is_accepted", .bool(interest.isAccepted)), ("created_at", .string(ISOTimestamp.string(interest.createdAt))),
        ])
    }

    /// The list/retrieve shape `{id, user: {other party}, created_at}` (no `is_accepted`, as the original).
    static func interestView(_ view: InterestView) -> JSONValue {
        .object([
            ("id", .id(view.interest.id)), ("user", party(view.otherUser)),
            ("created_at", .string(ISOTimestamp.string(view.interest.createdAt))),
        ])
    }

    /// A user list row: the profile plus the interests between the row's user and the caller.
    static func userListEntry(_ entry: UserListEntry) -> JSONValue {
        guard case .object(var pairs) = profile(entry.user) else { return .null }
        if entry.detailsHidden {
            pairs = pairs.map { key, value in key == "phone_number" || key == "email" ? (key, .null) : (key, value) }
        }
        pairs.append(("sent_by", .array(entry.sentBy.map(interest))))
        pairs.append(("sent_to", .array(entry.sentTo.map(interest))))
        return .object(pairs)
    }

    /// `{id, user, interest, message, created_at}`; `interest` is an integer on create too (D5).
    static func message(_ message: ChatMessage) -> JSONValue {
        .object([
            ("id", .id(message.id)), ("user", .id(message.userID)), ("interest", .id(message.interestID)),
            ("message", .string(message.message)), ("created_at", .string(ISOTimestamp.string(message.createdAt))),
        ])
    }
}
