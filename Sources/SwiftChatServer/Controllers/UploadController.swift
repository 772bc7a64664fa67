import Foundation
import Hummingbird
import SwiftChatCore

/// Uploads under `/api/v2/uploads/`: a multipart file through the server, or the presigned-form
/// shape (`GET …/form/`) for clients that post straight to the storage, as the original's
/// client helper does.
struct UploadController {
    let api: APIContext
    let attachments: AttachmentService
    let formTokens: UploadFormToken
    /// How long a form handed out may be used.
    static let formLifetime: TimeInterval = 15 * 60

    func register(on routes: APIRoutes<AppRequestContext>) {
        routes.on(.post, "/api/v2/uploads/", doc: Docs.upload, use: upload)
        routes.on(.get, "/api/v2/uploads/form/", doc: Docs.uploadForm, use: form)
        routes.on(.post, "/api/v2/uploads/form/", doc: Docs.formUpload, use: formUpload)
        routes.on(.post, "/api/v2/uploads/complete/", doc: Docs.completeUpload, use: complete)
    }

    @Sendable func upload(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        return try await take(request, for: caller)
    }

    /// The form of a presigned upload: into the bucket when the storage has one, otherwise back
    /// to this server with a signed token in the URL (a form post cannot send a bearer token).
    @Sendable func form(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let now = attachments.now()
        let expires = now.addingTimeInterval(Self.formLifetime)
        let stamp = Int64(expires.timeIntervalSince1970)
        var pairs: [(String, JSONValue)]
        if let direct = try await attachments.directUploadForm(for: caller, expiresAt: expires) {
            pairs = [
                ("url", .string(direct.form.url.absoluteString)),
                ("fields", .object(direct.form.fields.map { ($0.0, .string($0.1)) })),
                ("complete_url", .string("/api/v2/uploads/complete/")),
                ("key", .string(direct.key)),
                ("token", .string(formTokens.make(for: caller.id, storageKey: direct.key, expires: stamp))),
            ]
        } else {
            pairs = [
                ("url", .string("/api/v2/uploads/form/?token=" + formTokens.make(for: caller.id, storageKey: nil, expires: stamp))),
                ("fields", .object([])),
            ]
        }
        pairs.append(("expires_at", .string(ISOTimestamp.string(expires))))
        pairs.append(("max_size", .int(attachments.limits.maxSize)))
        return .json(.object(pairs))
    }

    @Sendable func formUpload(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard let token = request.uri.queryParameters.get("token"), let claims = formTokens.verify(token, now: attachments.now()), claims.storageKey == nil,
            let user = try await attachments.activeUser(claims.user)
        else { throw APIError.authenticationFailed(detail: "This upload form is not valid or has expired.", code: "form_invalid") }
        return try await take(request, for: user)
    }

    /// After a client posted a file into the bucket with a presigned form: checks the file like
    /// any upload and makes it an attachment (or deletes it).
    @Sendable func complete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let body = try await V2Body.decode(UploadCompleteBody.self, from: request, maxSize: api.maxBodySize)
        guard let claims = formTokens.verify(body.token, now: attachments.now()), claims.user == caller.id, claims.storageKey == body.key else {
            throw APIError.field("token", "Not the token of an upload form handed to you for this key, or it has expired.")
        }
        let attachment = try await attachments.adopt(key: body.key, name: body.name, by: caller)
        return .json(attachments.representation(of: attachment, for: caller.id), status: .created)
    }

    private func take(_ request: Request, for user: User) async throws -> Response {
        let reader = try MultipartUploadReader(contentType: request.headers[.contentType] ?? "")
        let declared = request.headers[.contentLength].flatMap { Int64($0) }
        let attachment = try await attachments.upload(by: user, declaredSize: declared) { intake in
            try await reader.read(request.body, fileChunk: intake.append)
            return reader.fileName
        }
        return .json(attachments.representation(of: attachment, for: user.id), status: .created)
    }
}
