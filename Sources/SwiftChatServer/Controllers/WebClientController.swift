import Foundation
import Hummingbird
import SwiftChatCore
import SwiftChatWeb

/// The browser client: its page at `/` and its files at `/assets/<name>`, from the bytes
/// compiled into the binary (or, for development, read from `assetsDirectory` on every request,
/// so that edits show without a rebuild). Not part of the API (not in the route table or the
/// OpenAPI document); an unknown asset gets the API's JSON 404.
struct WebClientController {
    /// Origins attachments may be loaded from besides this one (the S3 bucket's).
    let mediaOrigins: [String]
    let assetsDirectory: String?

    func register(on router: Router<AppRequestContext>) {
        router.get("/") { request, _ in
            try serve(WebClientAssets.page, request: request)
        }
        router.get("/assets/:name") { request, context in
            try serve(context.parameters.get("name") ?? "", request: request)
        }
    }

    func serve(_ name: String, request: Request) throws -> Response {
        guard let asset = try asset(named: name) else { throw APIError.notFound }
        var headers: HTTPFields = [.contentType: asset.contentType, .eTag: asset.entityTag, .cacheControl: "no-cache"]
        PageSecurityHeaders.add(to: &headers, mediaOrigins: mediaOrigins)
        // Revalidated on every load (no-cache), so an upgraded binary's files are used at once.
        if request.headers[.ifNoneMatch]?.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == asset.entityTag }) == true {
            return Response(status: .notModified, headers: headers)
        }
        var buffer = ByteBuffer()
        buffer.writeBytes(asset.bytes)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
    }

    private func asset(named name: String) throws -> WebAsset? {
        guard let assetsDirectory else { return WebClientAssets.all[name] }
        // Plain names only: nothing outside the folder can be named.
        guard !name.isEmpty, name.utf8.count <= 64, !name.hasPrefix("."),
            name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }),
            let bytes = FileManager.default.contents(atPath: assetsDirectory + "/" + name)
        else { return nil }
        return WebAsset(name: name, bytes: Array(bytes))
    }
}
