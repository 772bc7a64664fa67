import SwiftChatCore
/// The documentation of one route, given where the route is registered so that the OpenAPI
/// document is generated from the router itself and cannot drift from it.
struct APIDoc: Sendable {
    enum Access: Sendable {
        /// No credentials needed.
        case anyone
        /// `Authorization: JWT <access token>` required.
        case user
    }

    struct QueryParameter: Sendable {
        let name: String
        let description: String
        let schema: JSONValue
        var required = false
    }

    struct Reply: Sendable {
        let status: Int
        let description: String
        /// nil: no body. Media type is JSON unless `mediaTypes` says otherwise.
        let schema: JSONValue?
        var mediaTypes = ["application/json"]
        var headers: [(String, String)] = []
    }

    let summary: String
    let tag: String
    var description: String? = nil
    var access: Access = .anyone
    var query: [QueryParameter] = []
    /// Path parameters are integers unless named here.
    var pathSchemas: [String: JSONValue] = [:]
    /// A request body with this schema.
    var body: JSONValue? = nil
    /// The body's media type.
    var bodyMediaType = "application/json"
    /// PUT and PATCH of a profile accept no body at all (nothing changes).
    var bodyRequired = true
    var replies: [Reply]
}

/// Schema shorthands and the shared components of the document.
enum Schema {
    static func ref(_ name: String) -> JSONValue { .object([("$ref", .string("#/components/schemas/\(name)"))]) }
    static let string: JSONValue = .object([("type", .string("string"))])
    static let integer: JSONValue = .object([("type", .string("integer")), ("format", .string("int64"))])
    /// Ids are positive; anything else in a path is refused with 400 (interests, messages) or 404 (users).
    static let id: JSONValue = .object([("type", .string("integer")), ("format", .string("int64")), ("minimum", .int(1))])
    static let email: JSONValue = .object([("type", .array([.string("string"), .string("null")])), ("format", .string("email"))])
    static let boolean: JSONValue = .object([("type", .string("boolean"))])
    static let number: JSONValue = .object([("type", .string("number"))])
    static let dateTime: JSONValue = .object([("type", .string("string")), ("format", .string("date-time"))])
    static let uri: JSONValue = .object([("type", .string("string")), ("format", .string("uri"))])
    static let nullableString: JSONValue = .object([("type", .array([.string("string"), .string("null")]))])
    static let phone: JSONValue = .object([
        ("type", .string("string")), ("description", .string("International format with the country code, e.g. +917809772989; spaces allowed.")),
        ("examples", .array([.string("+917809772989")])),
    ])

    static func array(_ items: JSONValue) -> JSONValue { .object([("type", .string("array")), ("items", items)]) }

    static func object(_ properties: [(String, JSONValue)], required: [String]? = nil) -> JSONValue {
        .object([
            ("type", .string("object")), ("properties", .object(properties)),
            ("required", .array((required ?? properties.map(\.0)).map(JSONValue.string))),
        ])
    }

    static func enumeration(_ values: [String]) -> JSONValue {
        .object([("type", .string("string")), ("enum", .array(values.map(JSONValue.string)))])
    }

    static func text(maxLength: Int? = nil, minLength: Int? = nil) -> JSONValue {
        var pairs: [(String, JSONValue)] = [("type", .string("string"))]
        if let minLength { pairs.append(("minLength", .int(Int64(minLength)))) }
        if let maxLength { pairs.append(("maxLength", .int(Int64(maxLength)))) }
        return .object(pairs)
    }
}

extension APIDoc.Reply {
    static func ok(_ description: String, _ schema: JSONValue) -> Self { .init(status: 200, description: description, schema: schema) }
    static func created(_ description: String, _ schema: JSONValue) -> Self { .init(status: 201, description: description, schema: schema) }
    static let noContent = Self(status: 204, description: "Deleted.", schema: nil)

    static func error(_ status: Int, _ description: String) -> Self {
        .init(status: status, description: description, schema: Schema.ref(status == 400 ? "ValidationError" : "ErrorDetail"))
    }

    static let badRequest = error(400, "Invalid input: field errors `{\"field\": [\"message\"]}`, `non_field_errors`, or `{\"detail\": \"...\"}` (malformed JSON, a non-integer path id).")
    static let unauthorized = Self(
        status: 401, description: "No, invalid or expired credentials.", schema: Schema.ref("ErrorDetail"),
        headers: [("WWW-Authenticate", "Always `JWT realm=\"api\"`.")])
    static let forbidden = error(403, "Not allowed, or an unknown id (the original never answers 404 for these).")
    static let notFound = error(404, "No such object.")
    static let tooLarge = error(413, "The request body is larger than SWIFTCHAT_MAX_BODY_SIZE.")
    static let unsupportedMediaType = error(415, "The body is neither JSON nor a form.")
    static let throttled = throttled("Too many codes or passwords tried for this phone or from this client.")

    static func throttled(_ description: String) -> Self {
        Self(status: 429, description: description, schema: Schema.ref("ErrorDetail"),
             headers: [("Retry-After", "Seconds until the next request is allowed.")])
    }

    /// The per-user write limits (SWIFTCHAT_MESSAGE_RATE_PER_USER, SWIFTCHAT_INTEREST_RATE_PER_USER).
    static let messageThrottled = throttled("The caller posted more than SWIFTCHAT_MESSAGE_RATE_PER_USER messages in the last minute.")
    static let interestThrottled = throttled("The caller changed more than SWIFTCHAT_INTEREST_RATE_PER_USER interests in the last minute.")
}
