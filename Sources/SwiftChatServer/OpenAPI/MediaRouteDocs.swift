import SwiftChatCore

/// What the upload and attachment routes do and answer.
extension Docs {
    private static let s = Schema.self
    private static let uploadBody: JSONValue = .object([
        ("type", .string("object")),
        ("properties", .object([("file", .object([("type", .string("string")), ("format", .string("binary"))]))])),
        ("required", .array([.string("file")])),
    ])
    private static let uploadReplies: [APIDoc.Reply] = [
        .created("The attachment, not yet carried by a message: post a message with its id.", s.ref("Attachment")),
        .error(400, "No file, an empty file, a malformed or truncated multipart body."),
        .error(413, "The file is larger than SWIFTCHAT_UPLOAD_MAX_SIZE, or would take the user past SWIFTCHAT_UPLOAD_QUOTA."),
        .error(415, "Not multipart/form-data, or the file's content is not an accepted type (`code`: `unsupported_file`)."),
    ]
    private static let linkQuery: [APIDoc.QueryParameter] = [
        .init(name: "viewer", description: "The user the link was made for.", schema: s.integer),
        .init(name: "expires", description: "Unix time the link stops working.", schema: s.integer),
        .init(name: "signature", description: "The server's signature of the link.", schema: s.string),
    ]
    private static let bytes = APIDoc.Reply(
        status: 200, description: "The file: its type as found at upload, `nosniff`, a sandboxing CSP; media and PDF inline, anything else as a download.",
        schema: .object([("type", .string("string")), ("format", .string("binary"))]), mediaTypes: ["*/*"])
    private static let linkReplies: [APIDoc.Reply] = [
        bytes,
        .init(status: 206, description: "The part a `Range` header asked for.", schema: .object([("type", .string("string")), ("format", .string("binary"))]),
            mediaTypes: ["*/*"]),
        .init(status: 302, description: "With S3 storage: a short-lived presigned URL of the bucket.", schema: nil),
        .init(status: 304, description: "The `If-None-Match` entity tag is current.", schema: nil),
        .init(status: 401, description: "A forged or expired link (`code`: `link_invalid`, `link_expired`).", schema: s.ref("ErrorDetail"),
            headers: [("WWW-Authenticate", "Always `JWT realm=\"api\"`.")]),
        .error(400, "A non-integer attachment id."),
        .error(404, "No such attachment, or the link's user may no longer see it."),
        .error(416, "The range is outside the file."),
    ]

    static let upload = APIDoc(
        summary: "Upload a file (multipart/form-data, the part `file`)", tag: "attachments",
        description: "Streamed to storage as it arrives. The type is taken from the content, never from the name or the part's Content-Type.",
        access: .user, body: uploadBody, bodyMediaType: "multipart/form-data", replies: uploadReplies)
    static let uploadForm = APIDoc(
        summary: "A presigned upload form: post `fields` and then the part `file` to `url` before `expires_at`", tag: "attachments",
        description: "With S3 storage the form posts straight into the bucket; then `POST complete_url` with `key` and `token` makes it an attachment. Otherwise `url` is this server's and answers the attachment itself.",
        access: .user, replies: [.ok("The form.", s.ref("UploadForm"))])
    static let formUpload = APIDoc(
        summary: "Post a file with a form from `GET /api/v2/uploads/form/` (no bearer token: the form's URL carries a signed one)",
        tag: "attachments",
        query: [.init(name: "token", description: "The form's token, part of its `url`.", schema: s.string)],
        body: uploadBody, bodyMediaType: "multipart/form-data",
        replies: uploadReplies + [.init(status: 401, description: "A forged or expired form (`code`: `form_invalid`).", schema: s.ref("ErrorDetail"),
            headers: [("WWW-Authenticate", "Always `JWT realm=\"api\"`.")])])
    static let completeUpload = APIDoc(
        summary: "Make a file posted into the bucket with a presigned form an attachment", tag: "attachments", access: .user,
        body: s.ref("UploadComplete"), replies: uploadReplies)
    static let retrieveAttachment = APIDoc(
        summary: "An attachment the caller may see, with fresh links", tag: "attachments", access: .user,
        replies: [.ok("The attachment.", s.ref("Attachment")), .badRequest,
                  .error(404, "No such attachment, or it is neither the caller's upload nor in one of their conversations.")])
    static let attachmentContent = APIDoc(
        summary: "An attachment's bytes, by a signed link (`url` of an attachment); `Range` supported", tag: "attachments",
        query: linkQuery, replies: linkReplies)
    static let attachmentThumbnail = APIDoc(
        summary: "An image's thumbnail (a JPEG of at most 320 px), or the image itself until it is made, by a signed link", tag: "attachments",
        query: linkQuery, replies: linkReplies)
}
