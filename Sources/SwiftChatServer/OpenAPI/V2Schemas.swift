import SwiftChatCore

/// The components of the v2 routes (`v2-api.md`).
enum V2Schemas {
    static func all(maxMessageLength: Int) -> [(String, JSONValue)] {
        let s = Schema.self
        let nullableInteger: JSONValue = .object([("type", .array([.string("integer"), .string("null")])), ("format", .string("int64"))])
        let role = s.enumeration(MemberRole.allCases.map(\.rawValue))
        let message = s.object([
            ("id", s.integer), ("conversation", s.integer), ("sender", s.integer), ("text", s.string), ("client_id", s.nullableString),
            ("created_at", s.dateTime),
        ])
        return [
            ("BaseUser", s.object([
                ("id", s.integer), ("phone_number", s.string), ("email", s.nullableString), ("first_name", s.string), ("last_name", s.string),
            ])),
            ("Member", s.object([("user", s.ref("BaseUser")), ("role", role), ("joined_at", s.dateTime)])),
            ("Message", message),
            ("Conversation", s.object([
                ("id", s.integer), ("kind", s.enumeration(ConversationKind.allCases.map(\.rawValue))), ("title", s.nullableString),
                ("interest", nullableInteger), ("created_at", s.dateTime), ("created_by", s.integer), ("members", s.array(s.ref("Member"))),
                ("last_message", .object([("oneOf", .array([s.ref("Message"), .object([("type", .string("null"))])]))])),
                ("latest_message_id", nullableInteger),
            ])),
            ("ConversationPage", s.object([("results", s.array(s.ref("Conversation"))), ("next_cursor", s.nullableString)])),
            ("GroupCreate", s.object(
                [("title", s.text(maxLength: 100, minLength: 1)), ("members", s.array(s.id))], required: ["title"])),
            ("GroupRename", s.object([("title", s.text(maxLength: 100, minLength: 1))])),
            ("MemberAdd", s.object([("user", s.id), ("role", s.enumeration(["admin", "member"]))], required: ["user"])),
            ("RoleChange", s.object([("role", role)])),
            ("MessagePage", s.object([("results", s.array(s.ref("Message"))), ("has_more", s.boolean)])),
            ("MessagePost", s.object(
                [("text", s.text(maxLength: maxMessageLength, minLength: 1)), ("client_id", .object([
                    ("type", .array([.string("string"), .string("null")])), ("minLength", .int(1)), ("maxLength", .int(100)),
                ]))],
                required: ["text"])),
            ("Event", s.object([
                ("seq", s.integer), ("type", s.enumeration(EventType.allCases.map(\.rawValue))), ("at", s.dateTime),
                ("data", .object([("type", .string("object"))])),
            ])),
            ("EventPage", s.object([("epoch", s.string), ("events", s.array(s.ref("Event"))), ("latest_seq", s.integer)])),
            ("ResyncRequired", s.object([
                ("detail", s.string), ("code", s.enumeration(["resync_required"])), ("oldest_seq", s.integer),
            ])),
        ]
    }
}
