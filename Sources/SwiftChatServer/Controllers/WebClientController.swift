import Hummingbird
import SwiftChatCore
import SwiftChatWeb

/// The browser client: its page at `/` and its files at `/assets/<name>`, from the bytes
/// compiled into the binary. Not part of the API (not in the route table or the OpenAPI
/// document); an unknown asset gets the API's JSON 404.
struct WebClientController {
    func register(on router: Router<AppRequestContext>) {
        router.get("/") { request, _ in
            try Self.serve(WebClientAssets.page, request: request)
        }
        router.get("/assets/:name") { request, context in
            try Self.serve(context.parameters.get("name") ?? "", request: request)
        }
    }

    static func serve(_ name: String, request: Request) throws -> Response {
        guard let asset = WebClientAssets.all[name] else { throw APIError.notFound }
        var headers: HTTPFields = [.contentType: asset.contentType, .eTag: asset.entityTag, .cacheControl: "no-cache"]
        PageSecurityHeaders.add(to: &headers)
        // Revalidated on every load (no-cache), so an upgraded binary's files are used at once.
        if request.headers[.ifNoneMatch]?.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == asset.entityTag }) == true {
            return Response(status: .notModified, headers: headers)
        }
        var buffer = ByteBuffer()
        buffer.writeBytes(asset.bytes)
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: buffer))
    }
}
