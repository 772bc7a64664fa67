import SwiftChatCore
/// Builds the OpenAPI 3.1 document from the route table: every routed path and method, with the
/// documentation given at registration. Served at `/swagger.json/` and `/swagger.yaml/`.
enum OpenAPIDocument {
    static func build(from table: RouteTable, maxMessageLength: Int) -> JSONValue {
        var paths: [(String, [(String, JSONValue)])] = []
        for route in table.documented.sorted(by: { ($0.path, $0.method.rawValue) < ($1.path, $1.method.rawValue) }) {
            let operation = self.operation(route)
            if let index = paths.firstIndex(where: { $0.0 == route.path }) {
                paths[index].1.append((route.method.rawValue.lowercased(), operation))
            } else {
                paths.append((route.path, [(route.method.rawValue.lowercased(), operation)]))
            }
        }
        return .object([
            ("openapi", .string("3.1.0")),
            ("info", .object([
                ("title", .string("SwiftChat API")),
                ("version", .string("1")),
                ("description", .string(overview)),
            ])),
            ("paths", .object(paths.map { ($0.0, .object($0.1)) })),
            ("components", .object([
                ("schemas", .object(schemas(maxMessageLength: maxMessageLength) + V2Schemas.all(maxMessageLength: maxMessageLength))),
                ("securitySchemes", .object([
                    ("JWT", .object([
                        ("type", .string("apiKey")), ("in", .string("header")), ("name", .string("Authorization")),
                        ("description", .string("The access token with its scheme: `JWT <access token>` (the original's scheme; `Bearer <token>` works too).")),
                    ])),
                ])),
            ])),
        ])
    }

    private static func operation(_ route: RouteTable.Route) -> JSONValue {
        let doc = route.doc
        var pairs: [(String, JSONValue)] = [
            ("operationId", .string(operationID(route))),
            ("summary", .string(doc.summary)),
            ("tags", .array([.string(doc.tag)])),
        ]
        if let description = doc.description { pairs.append(("description", .string(description))) }
        var parameters: [JSONValue] = route.path.split(separator: "/").filter { $0.hasPrefix("{") }.map { segment in
            let name = String(segment.dropFirst().dropLast())
            return .object([
                ("name", .string(name)), ("in", .string("path")), ("required", .bool(true)),
                ("schema", doc.pathSchemas[name] ?? Schema.id),
            ])
        }
        parameters += doc.query.map { parameter in
            .object([
                ("name", .string(parameter.name)), ("in", .string("query")), ("required", .bool(parameter.required)),
                ("description", .string(parameter.description)), ("schema", parameter.schema),
            ])
        }
        if !parameters.isEmpty { pairs.append(("parameters", .array(parameters))) }
        if let body = doc.body {
            pairs.append(("requestBody", .object([
                ("required", .bool(doc.bodyRequired)),
                ("content", .object([(doc.bodyMediaType, .object([("schema", body)]))])),
            ])))
        }
        var replies = doc.replies
        if doc.access == .user, !replies.contains(where: { $0.status == 401 }) { replies.append(.unauthorized) }
        if doc.body != nil {
            for reply in [APIDoc.Reply.tooLarge, .unsupportedMediaType] where !replies.contains(where: { $0.status == reply.status }) {
                replies.append(reply)
            }
        }
        pairs.append(("responses", .object(replies.sorted { $0.status < $1.status }.map { (String($0.status), response($0)) })))
        if doc.access == .user { pairs.append(("security", .array([.object([("JWT", .array([]))])]))) }
        return .object(pairs)
    }

    private static func response(_ reply: APIDoc.Reply) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("description", .string(reply.description))]
        if !reply.headers.isEmpty {
            pairs.append(("headers", .object(reply.headers.map { name, description in
                (name, .object([("description", .string(description)), ("schema", Schema.string)]))
            })))
        }
        if let schema = reply.schema {
            pairs.append(("content", .object(reply.mediaTypes.map { ($0, .object([("schema", schema)])) })))
        }
        return .object(pairs)
    }

    /// `post_api_otp_gen_phone_number`, `get_api_core_user_id`.
    private static func operationID(_ route: RouteTable.Route) -> String {
        let words = route.path.split(separator: "/").map { $0.filter { $0.isLetter || $0.isNumber || $0 == "_" } }.filter { !$0.isEmpty }
        return ([route.method.rawValue.lowercased()] + words).joined(separator: "_")
    }

    static let overview = """
        A chat backend: passwordless login by a one-time code sent to a phone number, JWTs for every request \
        after that, interests (friend requests) with 1:1 chat messages, and a notification WebSocket.

        Authorize with `JWT <access token>`: request a code with `POST /api/otp/gen/phone_number/` \
        (`otp_for` "A"; in dev mode the code comes back as `raw_otp`), then `POST /api/otp/auth/`.

        **WebSocket** — connect to `ws://<host>/ws/?token=<access JWT>` (a missing, invalid, refresh or \
        expired token, or a deleted user, is refused with HTTP 403 at the handshake). Every frame is JSON \
        `{"stream": <name>, "payload": <object>}`. The server sends, on stream `notification_stream`, \
        `{"message": "UPDATE_INTEREST"}` to both parties when an interest is created, accepted or deleted, and \
        `{"message": "UPDATE_CHAT"}` to the other party when a chat message is posted; clients then re-fetch \
        over REST. Frames a client sends on `notification_stream` are accepted and ignored; a malformed frame \
        gets `{"stream": "error", "payload": {"message": "..."}}` and the socket stays open; a frame over the \
        size limit closes the socket with 1009, and a client too slow to read its notifications is closed with 1013.
        """

    private static func schemas(maxMessageLength: Int) -> [(String, JSONValue)] {
        let s = Schema.self
        let profile: [(String, JSONValue)] = [
            ("id", s.integer), ("phone_number", s.string), ("email", s.nullableString),
            ("first_name", s.string), ("last_name", s.string),
        ]
        let interest = s.object([
            ("id", s.integer), ("sent_to", s.integer), ("sent_by", s.integer), ("is_accepted", s.boolean), ("created_at", s.dateTime),
        ])
        return [
            ("ErrorDetail", s.object(
                [("detail", s.string), ("code", s.string), ("messages", s.array(.object([("type", .string("object"))])))],
                required: ["detail"])),
            ("ValidationError", .object([
                ("description", .string("Field errors, `non_field_errors`, or a `detail` message.")),
                ("type", .string("object")),
                ("additionalProperties", .object([("anyOf", .array([s.array(s.string), s.string]))])),
            ])),
            ("OTPRequest", s.object([("phone_number", s.phone), ("otp_for", s.enumeration(["A", "N"]))])),
            ("OTPIssued", s.object(
                [("raw_otp", .object([("type", .string("string")), ("pattern", .string("^[0-9]{4}$")),
                                      ("description", .string("Only in dev mode."))])),
                 ("status", .object([("const", .string("Ok"))]))],
                required: ["status"])),
            ("OTPLogin", s.object([
                ("phone_number", s.phone),
                ("otp", .object([("type", .string("integer")), ("description", .string("The code (SWIFTCHAT_OTP_LENGTH digits: 4 in dev mode, 6 otherwise); a numeric string is accepted too."))])),
            ])),
            ("OTPTokens", s.object([("access_token", s.string), ("refresh_token", s.string)])),
            ("PasswordLogin", s.object([("phone_number", s.phone), ("password", s.text(minLength: 1))])),
            ("TokenPair", s.object([("refresh", s.string), ("access", s.string)])),
            ("RefreshRequest", s.object([("refresh", s.string)])),
            ("AccessToken", s.object([("access", s.string)])),
            ("VerifyRequest", s.object([("token", s.string)])),
            ("Empty", .object([("type", .string("object")), ("maxProperties", .int(0))])),
            ("CoreRoot", s.object([("user", s.uri)])),
            ("MyAppRoot", s.object([("interests", s.uri)])),
            ("Profile", s.object(profile)),
            ("Registration", s.object(
                [("phone_number", s.phone), ("password", s.text(maxLength: 128, minLength: 1)), ("otp", s.text(maxLength: 4, minLength: 1)),
                 ("email", s.email), ("first_name", s.text(maxLength: 150)), ("last_name", s.text(maxLength: 150))],
                required: ["phone_number", "password", "otp"])),
            ("ProfileUpdate", s.object(
                [("email", s.email), ("first_name", s.text(maxLength: 150)), ("last_name", s.text(maxLength: 150))], required: [])),
            ("UserSummary", s.object([("id", s.integer), ("phone_number", s.string)])),
            ("Interest", interest),
            // With SWIFTCHAT_USER_PRIVACY, a non-contact's phone number is null too.
            ("UserListEntry", s.object(profile.map { $0.0 == "phone_number" ? ($0.0, s.nullableString) : $0 }
                + [("sent_by", s.array(s.ref("Interest"))), ("sent_to", s.array(s.ref("Interest")))])),
            ("UserPage", s.object([("results", s.array(s.ref("UserListEntry"))), ("next_cursor", s.nullableString)])),
            ("Party", s.object([
                ("id", s.integer), ("email", s.nullableString), ("first_name", s.string), ("last_name", s.string), ("phone_number", s.string),
            ])),
            ("InterestView", s.object([("id", s.integer), ("user", s.ref("Party")), ("created_at", s.dateTime)])),
            ("InterestCreate", s.object([("sent_to", s.integer)])),
            ("ChatMessage", s.object([
                ("id", s.integer), ("user", s.integer), ("interest", s.integer), ("message", s.string), ("created_at", s.dateTime),
            ])),
            ("ChatMessageCreate", s.object([("message", s.text(maxLength: maxMessageLength, minLength: 1))])),
            ("Health", s.object([
                ("status", s.enumeration(["ok", "unavailable"])),
                // Redis down degrades notifications only, so it does not fail the check.
                ("broker", s.enumeration(["in-process", "connected", "disconnected"])),
                // Store reads for chat_stream sockets and GET /api/v2/events/ since this process started.
                ("event_log_reads", s.integer),
            ])),
        ]
    }
}
