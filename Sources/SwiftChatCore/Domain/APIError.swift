/// A refusal the client is meant to see, in the original's (Django REST framework's) terms.
/// The server module renders each case as the original's status code and JSON body.
public enum APIError: Error, Equatable, Sendable {
    /// 400 `{"<field>": ["msg", ...]}`
    case fields([String: [String]])
    /// 400 `{"non_field_errors": [...]}`
    case nonField([String])
    /// 400 `{"detail": "..."}`
    case badRequest(String)
    /// 401 `{"detail": "Authentication credentials were not provided."}`
    case notAuthenticated
    /// 401 with simplejwt's `token_not_valid` body; `tokenClassMessages` adds the `messages`
    /// array the authentication header check returns.
    case tokenNotValid(detail: String, withTokenClassMessages: Bool)
    /// 401 `{"detail": "...", "code": "..."}`, e.g. simplejwt's `user_not_found`
    case authenticationFailed(detail: String, code: String)
    /// 401 `{"detail": "No active account found with the given credentials"}`
    case noActiveAccount
    /// 403 `{"detail": "You do not have permission to perform this action."}`
    case permissionDenied
    /// 404 `{"detail": "Not found."}`
    case notFound
    /// 405 `{"detail": "Method \"X\" not allowed."}`
    case methodNotAllowed(String)
    /// 413 `{"detail": "..."}`
    case payloadTooLarge(String)
    /// 415 `{"detail": "Unsupported media type \"x\" in request."}`
    case unsupportedMediaType(String)
    /// 415 `{"detail", "code": "unsupported_file"}`: an upload whose content may not be stored.
    case unsupportedFile(String)
    /// 410 `{"detail", "code": "resync_required", "oldest_seq"}`: events after the client's
    /// position were pruned.
    case resyncRequired(oldestSeq: Int64)
    /// 429 with `Retry-After`
    case throttled(retryAfterSeconds: Int)
    /// 503 `{"detail": "..."}`
    case unavailable(String)

    public static func field(_ name: String, _ message: String) -> APIError {
        .fields([name: [message]])
    }
}

/// The error texts of the original, in one place.
public enum ErrorText {
    public static let required = "This field is required."
    public static let blank = "This field may not be blank."
    public static let notNull = "This field may not be null."
    public static let invalidInteger = "A valid integer is required."
    public static let notAString = "Not a valid string."
    public static let nullCharacters = "Null characters are not allowed."
    public static let invalidPhone = "The phone number entered is not valid."
    public static let phoneTaken = "user with this phone number already exists."
    public static let otpExpired = "otp expired"
    public static let otpWrong = "otp expire"
    public static let invalidEmail = "Enter a valid email address."
    public static let interestExists = "Already exist."
    public static let interestToSelf = "You cannot send an interest to yourself."
    public static let interestIDNotInt = "interest_id is must be a int"
    public static let messageIDNotInt = "chat_message_id is must be a int"
    public static let pkWrongType = "Incorrect type. Expected pk value, received str."
    public static func invalidChoice(_ value: String) -> String { "\"\(value)\" is not a valid choice." }
    public static func invalidPK(_ value: String) -> String { "Invalid pk \"\(value)\" - object does not exist." }
    public static func maxLength(_ n: Int) -> String { "Ensure this field has no more than \(n) characters." }
}
