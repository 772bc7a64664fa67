import SwiftChatCore
/// What each route does and answers, for the OpenAPI document. Each controller passes these
/// where it registers its routes.
enum Docs {
    typealias Reply = APIDoc.Reply
    private static let s = Schema.self
    private static let orderingChoices = "one of id, -id, created_at, -created_at (others are ignored)"

    // MARK: OTP and JWT

    static let requestCode = APIDoc(
        summary: "Request a one-time code", tag: "auth",
        description: "`otp_for` \"A\" logs in or registers through `/api/otp/auth/`; \"N\" registers through `POST /api/core/user/`. "
            + "A pending code answers `{\"non_field_errors\": [\"NOT_EXPIRED\", \"<seconds left>\"]}`.",
        body: s.ref("OTPRequest"),
        replies: [.created("Code issued (returned as `raw_otp` in dev mode only).", s.ref("OTPIssued")), .badRequest, .throttled,
                  .error(503, "The code could not be sent.")])
    static let logInWithCode = APIDoc(
        summary: "Log in (or register) with an \"A\" code", tag: "auth",
        description: "Wrong codes are limited per client (SWIFTCHAT_OTP_FAILURES_PER_CLIENT) and, after SWIFTCHAT_OTP_FREE_FAILURES_PER_PHONE, "
            + "lock the phone for a doubling time no longer than a code's lifetime: both answer 429.",
        body: s.ref("OTPLogin"),
        replies: [.ok("Tokens.", s.ref("OTPTokens")), .badRequest, .throttled])
    static let createTokens = APIDoc(
        summary: "Log in with phone number and password", tag: "auth", body: s.ref("PasswordLogin"),
        replies: [.ok("Tokens.", s.ref("TokenPair")), .badRequest, .unauthorized, .throttled])
    static let refreshToken = APIDoc(
        summary: "A new access token from a refresh token", tag: "auth", body: s.ref("RefreshRequest"),
        replies: [.ok("A new access token.", s.ref("AccessToken")), .badRequest, .unauthorized])
    static let verifyToken = APIDoc(
        summary: "Check a token", tag: "auth", body: s.ref("VerifyRequest"),
        replies: [.ok("The token is valid.", s.ref("Empty")), .badRequest, .unauthorized])

    // MARK: Users

    static let coreRoot = APIDoc(summary: "API root of /api/core/", tag: "users", replies: [.ok("Links.", s.ref("CoreRoot"))])
    static let listUsers = APIDoc(
        summary: "Every other user, with the interests between them and the caller; filters and paging optional", tag: "users",
        description: "Without parameters, the original's list. `search`: each word starts the first name, the last name or the email "
            + "(with SWIFTCHAT_USER_PRIVACY, a non-contact's email matches only whole); text that reads as a phone number "
            + "(6 to 17 digits, spaces, dashes, brackets) finds that number, with or without the country code (without: in the "
            + "caller's country). `first_name`, `email`: the whole field, any case. `is_friend`: an accepted interest with the caller, or not. "
            + "People who chose `searchable_by_phone: false` are found by phone by their contacts only. With SWIFTCHAT_USER_PRIVACY "
            + "the phone number and email of people who are not the caller's contacts are null. `limit` or `cursor` make the answer "
            + "a page, `{\"results\", \"next_cursor\"}`, in id order.",
        access: .user,
        query: [
            .init(name: "search", description: "Words, or a phone number.", schema: s.string),
            .init(name: "first_name", description: "The whole first name.", schema: s.string),
            .init(name: "email", description: "The whole email.", schema: s.string),
            .init(name: "phone_number", description: "A phone number, with or without the country code.", schema: s.string),
            .init(name: "is_friend", description: "true or false.", schema: s.boolean),
            .init(name: "limit", description: "Page size, 1 to 200 (default 50).", schema: s.integer),
            .init(name: "cursor", description: "The `next_cursor` of the page before.", schema: s.string),
        ],
        replies: [
            .ok("Users except the caller: an array, or a page with limit or cursor.",
                .object([("oneOf", .array([s.array(s.ref("UserListEntry")), s.ref("UserPage")]))])),
            .badRequest,
        ])
    static let register = APIDoc(
        summary: "Register with an \"N\" code and a password", tag: "users", body: s.ref("Registration"),
        replies: [.created("The new user.", s.ref("Profile")), .badRequest, .throttled])
    static let me = APIDoc(summary: "The caller's profile", tag: "users", access: .user, replies: [.ok("Profile.", s.ref("Profile"))])
    static let updateMe = APIDoc(
        summary: "Update the caller's profile (phone_number is read-only)", tag: "users", access: .user, body: s.ref("ProfileUpdate"),
        bodyRequired: false,
        replies: [.ok("Profile.", s.ref("Profile")), .badRequest])
    static let deleteMe = APIDoc(
        summary: "Delete the caller's account (admins only)", tag: "users", access: .user, replies: [.noContent, .forbidden])
    static let retrieveUser = APIDoc(
        summary: "A user by id (the user themself or an admin)", tag: "users", access: .user,
        replies: [.ok("The user.", s.ref("UserSummary")), .forbidden, .notFound])
    static let updateUser = APIDoc(
        summary: "Update a user by id: nothing is writable (the user themself or an admin)", tag: "users", access: .user,
        replies: [.ok("The user.", s.ref("UserSummary")), .forbidden, .notFound])
    static let deleteUser = APIDoc(
        summary: "Delete a user, their interests and messages (admins only)", tag: "users", access: .user,
        replies: [.noContent, .forbidden, .notFound])
    static func adminOnlyAction(_ name: String) -> APIDoc {
        APIDoc(
            summary: "djoser's \(name) (admins only; not available)", tag: "users", access: .user,
            replies: [.forbidden, .notFound])
    }

    // MARK: Interests and chat messages

    static let myAppRoot = APIDoc(summary: "API root of /api/my_app/", tag: "interests", replies: [.ok("Links.", s.ref("MyAppRoot"))])
    static let listInterests = APIDoc(
        summary: "The caller's interests, each with the other party", tag: "interests", access: .user,
        query: [
            .init(name: "is_accepted", description: "true or false (other values leave the list unfiltered)", schema: s.string),
            .init(name: "search", description: "Terms matched against either party's first name (at most SWIFTCHAT_SEARCH_MAX_TERMS words of SWIFTCHAT_SEARCH_MAX_TERM_LENGTH characters; more is 400)", schema: s.string),
            .init(name: "ordering", description: orderingChoices, schema: s.string),
        ],
        replies: [.ok("Interests.", s.array(s.ref("InterestView"))), .badRequest])
    static let createInterest = APIDoc(
        summary: "Send an interest (friend request)", tag: "interests", access: .user, body: s.ref("InterestCreate"),
        replies: [.created("The interest.", s.ref("Interest")), .badRequest, .interestThrottled])
    static let retrieveInterest = APIDoc(
        summary: "One interest (parties only)", tag: "interests", access: .user,
        replies: [.ok("The interest.", s.ref("InterestView")), .badRequest, .forbidden])
    static let deleteInterest = APIDoc(
        summary: "Delete an interest and its messages (either party)", tag: "interests", access: .user,
        replies: [.noContent, .badRequest, .forbidden, .interestThrottled])
    static let acceptInterest = APIDoc(
        summary: "Accept an interest (the recipient only)", tag: "interests", access: .user,
        replies: [.ok("Accepted: the JSON string \"Ok\".", .object([("const", .string("Ok"))])), .badRequest, .forbidden, .interestThrottled])
    static let listMessages = APIDoc(
        summary: "An interest's chat messages, oldest first", tag: "chat messages", access: .user,
        query: [.init(name: "ordering", description: orderingChoices, schema: s.string)],
        replies: [.ok("Messages.", s.array(s.ref("ChatMessage"))), .badRequest, .forbidden])
    static let createMessage = APIDoc(
        summary: "Post a chat message; the other party is notified", tag: "chat messages", access: .user, body: s.ref("ChatMessageCreate"),
        replies: [.created("The message.", s.ref("ChatMessage")), .badRequest, .forbidden, .messageThrottled])
    static let retrieveMessage = APIDoc(
        summary: "One chat message of the interest", tag: "chat messages", access: .user,
        replies: [.ok("The message.", s.ref("ChatMessage")), .badRequest, .forbidden])

    // MARK: Operations

    static let health = APIDoc(
        summary: "200 when the database answers", tag: "operations",
        replies: [.ok("Healthy.", s.ref("Health")), .init(status: 503, description: "The database does not answer.", schema: s.ref("Health"))])
    static let webSocket = APIDoc(
        summary: "The notification WebSocket (see the description at the top)", tag: "websocket",
        description: "Upgrade with `?token=<access JWT>`. Without an upgrade, or with a refused one, the answer is 403; a token that "
            + "cannot be checked within SWIFTCHAT_WS_HANDSHAKE_TIMEOUT is 503. A handshake beyond SWIFTCHAT_WS_MAX_SOCKETS_PER_USER "
            + "open sockets of the user is 429 (one of two racing for the last place is closed with 1008); a frame or message over SWIFTCHAT_WS_MAX_FRAME_SIZE with 1009; text that is not UTF-8 with 1007; "
            + "frames that break RFC 6455 (unmasked, reserved bits or opcodes) with 1002. "
            + "v2's event log is opt-in on the same socket: send `{\"stream\": \"chat_stream\", \"payload\": {\"type\": \"subscribe\", \"since\": N}}` "
            + "(`since` optional: from now on) and get `{\"type\": \"subscribed\", \"epoch\", \"latest_seq\"}`, then every event with seq > N "
            + "as `{\"type\": \"event\", \"event\": Event}`, replay then live, each once and in order; a position older than the log keeps "
            + "gets `{\"type\": \"resync_required\", \"oldest_seq\"}`. Replies arrive as `{\"stream\": \"chat_stream\", \"payload\": …}`. "
            + "`{\"type\": \"read\", \"conversation\", \"message_id\"}` moves the read marker as POST …/read/ does. "
            + "`{\"type\": \"typing\", \"conversation\"}` reaches the other members' subscribed sockets as "
            + "`{\"type\": \"typing\", \"conversation\", \"users\", \"user\", \"expires_in_seconds\"}`, batched per conversation: "
            + "at most one a second naming everyone who typed lately (`user` is the first of `users`; a client skips its own id), "
            + "repeated every 3 s while they go on (never stored; at most one announcement per conversation "
            + "every 2 s per socket, more is dropped; show each of `users` until the frame expires unless repeated); "
            + "a malformed payload gets an error frame and the socket stays open.",
        query: [.init(name: "token", description: "An access JWT", schema: s.string)],
        replies: [.init(status: 101, description: "Switching protocols to the WebSocket.", schema: nil),
                  .error(403, "Not a WebSocket upgrade, or the token or Origin was refused."),
                  .error(429, "The user has SWIFTCHAT_WS_MAX_SOCKETS_PER_USER sockets open already."),
                  .error(503, "The token could not be checked in time.")])
    static let swaggerUI = APIDoc(
        summary: "Swagger UI", tag: "documentation",
        replies: [.init(status: 200, description: "The Swagger UI page.", schema: s.string, mediaTypes: ["text/html"])])
    static let swaggerJSON = APIDoc(
        summary: "This document as JSON", tag: "documentation",
        replies: [.ok("OpenAPI 3.1.", .object([("type", .string("object"))]))])
    static let swaggerYAML = APIDoc(
        summary: "This document as YAML", tag: "documentation",
        replies: [.init(status: 200, description: "OpenAPI 3.1, as YAML.", schema: .object([("type", .string("object"))]), mediaTypes: ["application/yaml"])])
}

extension Docs {
    static let swaggerInit = APIDoc(
        summary: "The Swagger page's script, which starts Swagger UI", tag: "documentation",
        replies: [.init(status: 200, description: "JavaScript.", schema: Schema.string, mediaTypes: ["text/javascript"])])
    static let swaggerAsset = APIDoc(
        summary: "Swagger UI's JavaScript and CSS (only with SWIFTCHAT_SWAGGER_UI_DIR)", tag: "documentation",
        pathSchemas: ["asset": Schema.enumeration(SwaggerController.assets.map(\.file))],
        replies: [.init(status: 200, description: "The file.", schema: Schema.string, mediaTypes: ["text/javascript", "text/css"]), .notFound])
}
