import SwiftChatCore

/// What each v2 route does and answers (`v2-api.md`).
extension Docs {
    private static let s = Schema.self
    private static let hidden = APIDoc.Reply.error(404, "No such conversation, or the caller is not a member (which is not revealed).")
    private static let notAllowed = APIDoc.Reply.error(403, "A member without the right for this action.")
    private static func limit(_ max: Int, _ standard: Int) -> APIDoc.QueryParameter {
        .init(name: "limit", description: "1 to \(max), default \(standard).", schema: .object([
            ("type", .string("integer")), ("minimum", .int(1)), ("maximum", .int(Int64(max))),
        ]))
    }

    static let listConversations = APIDoc(
        summary: "The caller's conversations, latest activity first", tag: "conversations", access: .user,
        query: [limit(200, 50), .init(name: "cursor", description: "`next_cursor` of the page before.", schema: s.string)],
        replies: [.ok("A page.", s.ref("ConversationPage")), .badRequest])
    static let createGroup = APIDoc(
        summary: "Create a group; the caller is its owner", tag: "conversations", access: .user, body: s.ref("GroupCreate"),
        replies: [.created("The group.", s.ref("Conversation")), .badRequest])
    static let retrieveConversation = APIDoc(
        summary: "One conversation", tag: "conversations", access: .user,
        replies: [.ok("The conversation.", s.ref("Conversation")), .badRequest, hidden])
    static let renameGroup = APIDoc(
        summary: "Rename a group (owners and admins)", tag: "conversations", access: .user, body: s.ref("GroupRename"),
        replies: [.ok("The group.", s.ref("Conversation")), .badRequest, notAllowed, hidden])
    static let deleteGroup = APIDoc(
        summary: "Delete a group (its owner)", tag: "conversations", access: .user,
        replies: [.noContent, .badRequest, notAllowed, hidden])
    static let addMember = APIDoc(
        summary: "Add a member (owners and admins; only the owner adds admins)", tag: "conversations", access: .user, body: s.ref("MemberAdd"),
        replies: [.created("The member.", s.ref("Member")), .badRequest, notAllowed, hidden])
    static let changeRole = APIDoc(
        summary: "Change a member's role (the owner); making someone owner hands ownership on", tag: "conversations", access: .user,
        body: s.ref("RoleChange"),
        replies: [.ok("The member.", s.ref("Member")), .badRequest, notAllowed, hidden])
    static let removeMember = APIDoc(
        summary: "Remove a member, or leave with one's own id", tag: "conversations",
        description: "An owner who leaves hands the group to the longest-standing admin, else member; the group goes with its last member.",
        access: .user,
        replies: [.noContent, .badRequest, notAllowed, hidden])
    static let listConversationMessages = APIDoc(
        summary: "A page of messages, ascending ids; the latest page unless before or after is given", tag: "conversations", access: .user,
        query: [
            .init(name: "before", description: "Messages with smaller ids.", schema: s.integer),
            .init(name: "after", description: "Messages with larger ids.", schema: s.integer), limit(200, 50),
        ],
        replies: [.ok("A page.", s.ref("MessagePage")), .badRequest, hidden])
    static let postConversationMessage = APIDoc(
        summary: "Post a message; the same client_id again answers the first message", tag: "conversations", access: .user,
        body: s.ref("MessagePost"),
        replies: [.created("The message.", s.ref("Message")), .ok("A repeat of a client_id: the message it posted.", s.ref("Message")),
                  .badRequest, hidden, .messageThrottled])
    static let editMessage = APIDoc(
        summary: "Change a message's text (its sender, within SWIFTCHAT_MESSAGE_EDIT_WINDOW of posting)", tag: "conversations",
        description: "Every member gets `message.updated` with the message, `edited_at` set. A deleted message cannot be edited.",
        access: .user, body: s.ref("MessageEdit"),
        replies: [.ok("The message as it now is.", s.ref("Message")), .badRequest, .error(403, "Not the sender."), hidden])
    static let deleteMessage = APIDoc(
        summary: "Delete a message (its sender; in a group also its owner and admins)", tag: "conversations",
        description: "The text and the attachments are deleted from the store; the message stays in history as a tombstone "
            + "(`deleted: true`, empty text, no attachments) and every member gets `message.deleted` with it. v1's lists no longer show it. "
            + "Deleting it again changes nothing.",
        access: .user,
        replies: [.noContent, .badRequest, .error(403, "Neither the sender nor, in a group, an owner or admin."), hidden])
    static let searchMessages = APIDoc(
        summary: "Search the messages of the caller's conversations, best matches first", tag: "search",
        description: "`q` holds words (each must occur), `\"quoted phrases\"` and `prefix*` words; any other character "
            + "separates words, so search operators are plain text. Only live messages of conversations the caller is a member "
            + "of are searched (`conversation` narrows it to one; 404 when not a member). Each result carries the message and a "
            + "snippet of its text as segments, the matched ones marked, to highlight without markup. Paging goes "
            + "\(MessageSearchService.maxDepth) results deep.",
        access: .user,
        query: [
            .init(name: "q", description: "What to search for.", schema: s.string, required: true),
            .init(name: "conversation", description: "Only this conversation.", schema: s.integer),
            .init(name: "cursor", description: "The `next_cursor` of the page before.", schema: s.string), limit(50, 20),
        ],
        replies: [.ok("A page of matches.", s.ref("MessageSearchPage")), .badRequest, hidden])
    static let privacySetting = APIDoc(
        summary: "Whether people who are not the caller's contacts find them by phone number", tag: "users", access: .user,
        replies: [.ok("The setting.", s.ref("PrivacySetting"))])
    static let changePrivacySetting = APIDoc(
        summary: "Be found by phone number, or not", tag: "users",
        description: "With `searchable_by_phone: false`, `?search=` and `?phone_number=` on `/api/core/user/` find the caller only for "
            + "their contacts (an accepted interest).",
        access: .user, body: s.ref("PrivacySetting"),
        replies: [.ok("The setting.", s.ref("PrivacySetting")), .badRequest])
    static let sharedLocation = APIDoc(
        summary: "The caller's shared location, as stored: its grid cell's centre", tag: "nearby", access: .user,
        replies: [.ok("The stored cell.", s.ref("SharedLocation")), .error(404, "The caller shares no location, or it expired.")])
    static let shareLocation = APIDoc(
        summary: "Share the caller's location with people looking for others nearby", tag: "nearby",
        description: "Only the centre of the grid cell (SWIFTCHAT_LOCATION_CELL_METERS on a side, about 1 km) holding the point is kept, "
            + "and only for SWIFTCHAT_LOCATION_LIFETIME unless shared again. The answer shows what was kept.",
        access: .user, body: s.ref("LocationShare"),
        replies: [.ok("The stored cell.", s.ref("SharedLocation")), .badRequest])
    static let stopSharingLocation = APIDoc(
        summary: "Stop sharing the caller's location", tag: "nearby", access: .user,
        replies: [.noContent, .error(404, "The caller shares no location.")])
    static let nearbyUsers = APIDoc(
        summary: "People who share their location, nearest first", tag: "nearby",
        description: "Around `lat`/`lon`, or the caller's own shared cell when both are left out. Distances are measured to each "
            + "person's cell centre and rounded up to whole `distance_step_km`, so no choice of query points places anyone more "
            + "precisely than their cell. The caller, inactive users and expired locations are left out.",
        access: .user,
        query: [
            .init(name: "lat", description: "Latitude in degrees, -90 to 90.", schema: s.number),
            .init(name: "lon", description: "Longitude in degrees, -180 to 180.", schema: s.number),
            .init(name: "radius_km", description: "More than 0, at most \(Int(NearbyService.maxRadiusKm)); default 10.", schema: s.number),
            limit(100, 20),
        ],
        replies: [.ok("The people found.", s.ref("NearbyPage")), .badRequest])
    static let presenceSetting = APIDoc(
        summary: "Whether the caller hides their presence", tag: "presence", access: .user,
        replies: [.ok("The setting.", s.ref("PresenceSetting"))])
    static let changePresenceSetting = APIDoc(
        summary: "Hide or show the caller's presence", tag: "presence",
        description: "Hidden, the caller shows `online: false` and no `last_seen` to everyone else, and is never announced; "
            + "the people who share a conversation with them get `presence.changed` at once.",
        access: .user, body: s.ref("PresenceSetting"),
        replies: [.ok("The setting.", s.ref("PresenceSetting")), .badRequest])
    static let markRead = APIDoc(
        summary: "Move the caller's read marker forward to a message (never back)", tag: "conversations",
        description: "The other members, and the caller's other devices, get `receipt.updated` when it moves. "
            + "The same is a `chat_stream` action: `{\"type\": \"read\", \"conversation\", \"message_id\"}`.",
        access: .user, body: s.ref("ReadMarker"),
        replies: [.ok("Where the marker is now, and what is left unread.", s.ref("ReadState")), .badRequest, hidden])
    static let listEvents = APIDoc(
        summary: "The caller's events after a position", tag: "events", access: .user,
        query: [.init(name: "since", description: "The last seq the client has; 0 for all kept.", schema: s.integer), limit(1_000, 500)],
        replies: [.ok("Events, ascending seq.", s.ref("EventPage")), .badRequest,
                  .init(status: 410, description: "Events after `since` were pruned: reload, then resume.", schema: s.ref("ResyncRequired"))])
}
