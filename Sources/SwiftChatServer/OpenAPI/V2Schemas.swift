import SwiftChatCore

/// The components of the v2 routes (`v2-api.md`).
enum V2Schemas {
    static func all(maxMessageLength: Int) -> [(String, JSONValue)] {
        let s = Schema.self
        let nullableInteger: JSONValue = .object([("type", .array([.string("integer"), .string("null")])), ("format", .string("int64"))])
        let role = s.enumeration(MemberRole.allCases.map(\.rawValue))
        let message = s.object([
            ("id", s.integer), ("conversation", s.integer), ("sender", s.integer), ("text", s.string), ("client_id", s.nullableString),
            ("created_at", s.dateTime), ("attachments", s.array(s.ref("Attachment"))),
            ("edited_at", .object([("type", .array([.string("string"), .string("null")])), ("format", .string("date-time"))])),
            ("deleted", s.boolean),
        ])
        return [
            ("BaseUser", s.object([
                ("id", s.integer), ("phone_number", s.string), ("email", s.nullableString), ("first_name", s.string), ("last_name", s.string),
            ])),
            ("Member", s.object([
                ("user", s.ref("BaseUser")), ("role", role), ("joined_at", s.dateTime), ("last_read_message_id", nullableInteger),
                ("online", s.boolean), ("last_seen", .object([("type", .array([.string("string"), .string("null")])), ("format", .string("date-time"))])),
            ], required: ["user", "role", "joined_at", "last_read_message_id"])),
            ("PresenceSetting", s.object([("hidden", s.boolean)])),
            ("PrivacySetting", s.object([("searchable_by_phone", s.boolean)])),
            ("LocationShare", s.object([
                ("lat", s.number), ("lon", s.number),
                ("accuracy_m", .object([("type", .string("integer")), ("minimum", .int(0)), ("maximum", .int(Int64(NearbyService.maxAccuracyMeters)))])),
            ], required: ["lat", "lon"])),
            ("SharedLocation", s.object([
                ("lat", s.number), ("lon", s.number), ("accuracy_m", nullableInteger), ("cell_m", s.integer), ("expires_at", s.dateTime),
            ])),
            ("NearbyPage", s.object([
                ("results", s.array(s.object([
                    ("user", s.object([("id", s.integer), ("first_name", s.string), ("last_name", s.string)])), ("distance_km", s.integer),
                ]))),
                ("distance_step_km", s.integer),
            ])),
            ("Message", message),
            ("Attachment", s.object([
                ("id", s.integer), ("name", s.string), ("type", s.string), ("size", s.integer), ("sha256", s.string), ("width", nullableInteger),
                ("height", nullableInteger), ("url", s.string), ("thumbnail_url", s.nullableString),
            ])),
            ("UploadForm", s.object([
                ("url", s.string), ("fields", .object([("type", .string("object")), ("additionalProperties", s.string)])),
                ("expires_at", s.dateTime), ("max_size", s.integer), ("complete_url", s.string), ("key", s.string), ("token", s.string),
            ], required: ["url", "fields", "expires_at", "max_size"])),
            ("UploadComplete", s.object([("key", s.string), ("token", s.string), ("name", s.string)], required: ["key", "token"])),
            ("Conversation", s.object([
                ("id", s.integer), ("kind", s.enumeration(ConversationKind.allCases.map(\.rawValue))), ("title", s.nullableString),
                ("interest", nullableInteger), ("created_at", s.dateTime), ("created_by", s.integer), ("members", s.array(s.ref("Member"))),
                ("last_message", .object([("oneOf", .array([s.ref("Message"), .object([("type", .string("null"))])]))])),
                ("latest_message_id", nullableInteger), ("unread_count", s.integer), ("last_read_message_id", nullableInteger),
            ])),
            ("ReadMarker", s.object([("message_id", s.id)])),
            ("MessageEdit", s.object([("text", s.text(maxLength: maxMessageLength))])),
            ("ReadState", s.object([("conversation", s.integer), ("last_read_message_id", s.integer), ("unread_count", s.integer)])),
            ("ConversationPage", s.object([("results", s.array(s.ref("Conversation"))), ("next_cursor", s.nullableString)])),
            ("GroupCreate", s.object(
                [("title", s.text(maxLength: 100, minLength: 1)), ("members", s.array(s.id))], required: ["title"])),
            ("GroupRename", s.object([("title", s.text(maxLength: 100, minLength: 1))])),
            ("MemberAdd", s.object([("user", s.id), ("role", s.enumeration(["admin", "member"]))], required: ["user"])),
            ("RoleChange", s.object([("role", role)])),
            ("MessagePage", s.object([("results", s.array(s.ref("Message"))), ("has_more", s.boolean)])),
            ("MessageSearchPage", s.object([
                ("results", s.array(s.object([
                    ("message", s.ref("Message")),
                    ("snippet", s.array(s.object([("text", s.string), ("match", s.boolean)]))),
                ]))),
                ("next_cursor", s.nullableString),
            ])),
            ("MessagePost", s.object(
                [("text", s.text(maxLength: maxMessageLength, minLength: 1)), ("client_id", .object([
                    ("type", .array([.string("string"), .string("null")])), ("minLength", .int(1)), ("maxLength", .int(100)),
                ])), ("attachments", .object([("type", .string("array")), ("items", s.id), ("maxItems", .int(10))]))],
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
