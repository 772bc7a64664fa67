import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import SwiftChatCore

/// Attachments under `/api/v2/attachments/`: their facts (with fresh links) for a bearer, and
/// their bytes for a signed link. Bytes are served so that nothing from a file can run as this
/// origin: the type is the one found at upload (never HTML, SVG or XML), `nosniff`, a sandboxing
/// CSP, and only media and PDF shown inline; everything else is a download.
struct AttachmentController {
    let api: APIContext
    let attachments: AttachmentService
    /// How long a redirect to the bucket may be followed.
    static let directLinkLifetime: TimeInterval = 300

    func register(on routes: APIRoutes<AppRequestContext>) {
        routes.on(.get, "/api/v2/attachments/{attachment_id}/", doc: Docs.retrieveAttachment, use: retrieve)
        routes.on(.get, "/api/v2/attachments/{attachment_id}/content/", doc: Docs.attachmentContent) { request, context in
            try await serve(.content, request, context)
        }
        routes.on(.get, "/api/v2/attachments/{attachment_id}/thumbnail/", doc: Docs.attachmentThumbnail) { request, context in
            try await serve(.thumbnail, request, context)
        }
    }

    @Sendable func retrieve(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let attachment = try await attachments.attachment(try attachmentID(context), for: caller.id)
        return .json(attachments.representation(of: attachment, for: caller.id))
    }

    private func serve(_ variant: AttachmentLinkSigner.Variant, _ request: Request, _ context: AppRequestContext) async throws -> Response {
        let query = request.uri.queryParameters
        guard let viewer = query.get("viewer").flatMap({ UserID($0) }), let expires = query.get("expires").flatMap({ Int64($0) }),
            let signature = query.get("signature")
        else { throw APIError.authenticationFailed(detail: "This download link is not valid.", code: "link_invalid") }
        let attachment = try await attachments.attachment(
            forLink: try attachmentID(context), variant, viewer: viewer, expires: expires, signature: signature)
        let thumbnail = variant == .thumbnail ? attachment.thumbnail : nil
        let key = thumbnail?.storageKey ?? attachment.storageKey
        let type = thumbnail == nil ? attachment.mimeType : "image/jpeg"
        let disposition = AttachmentFileName.contentDisposition(Self.disposition(of: type), fileName: attachment.name)
        let storage = attachments.storage
        var headers: HTTPFields = [
            PageSecurityHeaders.referrerPolicy: "no-referrer", .xContentTypeOptions: "nosniff", Self.resourcePolicy: "same-origin",
            .contentSecurityPolicy: "default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'; sandbox",
            .cacheControl: "private, max-age=\(max(0, expires - Int64(Date().timeIntervalSince1970)))",
        ]
        if let url = storage.directDownloadURL(
            key: key, contentType: type, contentDisposition: disposition, lifetime: Self.directLinkLifetime, now: Date())
        {
            headers[.location] = url.absoluteString
            headers[.cacheControl] = "private, max-age=60"
            return Response(status: .found, headers: headers)
        }
        let size: Int64
        if thumbnail == nil { size = attachment.size } else {
            guard let found = try await storage.size(of: key) else { throw APIError.notFound }
            size = found
        }
        headers[.contentType] = type == "text/plain" ? "text/plain; charset=utf-8" : type
        headers[.contentDisposition] = disposition
        headers[.acceptRanges] = "bytes"
        headers[.eTag] = "\"\(attachment.sha256.prefix(32))\(thumbnail == nil ? "" : "-t")\""
        if let match = request.headers[.ifNoneMatch], match == headers[.eTag] {
            return Response(status: .notModified, headers: headers)
        }
        let range: ClosedRange<Int64>?
        switch ByteRange(header: request.headers[.range], size: size) {
        case .whole: range = nil
        case .part(let part): range = part
        case .unsatisfiable:
            var response = Response.json(.detail("The range is outside the file's \(size) bytes."), status: .rangeNotSatisfiable)
            response.headers[.contentRange] = "bytes */\(size)"
            return response
        }
        let stream = try await storage.read(key: key, range: range)
        let length = range.map { $0.upperBound - $0.lowerBound + 1 } ?? size
        headers[.contentLength] = String(length)
        if let range { headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)" }
        let body = ResponseBody(contentLength: Int(length)) { writer in
            for try await chunk in stream { try await writer.write(ByteBuffer(data: chunk)) }
            try await writer.finish(nil)
        }
        return Response(status: range == nil ? .ok : .partialContent, headers: headers, body: body)
    }

    static let resourcePolicy = HTTPField.Name("Cross-Origin-Resource-Policy")!

    /// Media and PDF are shown in place; anything else is saved, never rendered by the browser.
    static func disposition(of type: String) -> AttachmentDisposition {
        type.hasPrefix("image/") || type.hasPrefix("video/") || type.hasPrefix("audio/") || type == "application/pdf" ? .inline : .attachment
    }

    private func attachmentID(_ context: AppRequestContext) throws -> AttachmentID {
        AttachmentID(rawValue: try pathID(context, "attachment_id", notAnInt: "attachment_id must be an integer"))
    }
}
