import Foundation
import Synchronization
import Hummingbird
import SwiftChatCore

/// `/swagger/` (Swagger UI), `/swagger.json/` and `/swagger.yaml/` (the OpenAPI document), as the
/// original served them. Swagger UI's own files are not ours: they come from a local copy when
/// `SWIFTCHAT_SWAGGER_UI_DIR` names one, otherwise from a pinned CDN release with subresource
/// integrity.
struct SwaggerController {
    /// The pinned release and its hashes (`openssl dgst -sha384 -binary FILE | openssl base64 -A`).
    static let cdnVersion = "5.33.1"
    static let assets: [(file: String, integrity: String, mediaType: String)] = [
        ("swagger-ui-bundle.js", "sha384-ZPehFMQommnnuaZ4rpxgkgTT2DKFVp4hZC/7pLit+9Lek9T1YGSo23eHFbvNkXkw", "text/javascript; charset=utf-8"),
        ("swagger-ui.css", "sha384-Ov4/wv3j2bmct8cDc5X4ngJZohVPzEmc6uDPH8WeljUxO5vtoykvMEfbu9Vh6RaW", "text/css; charset=utf-8"),
    ]

    let table: RouteTable
    let localUIDirectory: String?
    let maxMessageLength: Int

    func register(on routes: APIRoutes<AppRequestContext>) {
        let page = self.page
        let rendered = RenderedDocument { OpenAPIDocument.build(from: table, maxMessageLength: maxMessageLength) }
        routes.on(.get, "/swagger/", doc: Docs.swaggerUI) { _, _ in
            Self.text(page, mediaType: "text/html; charset=utf-8")
        }
        routes.on(.get, "/swagger.json/", doc: Docs.swaggerJSON) { _, _ in
            Self.text(rendered.json, mediaType: "application/json")
        }
        routes.on(.get, "/swagger.yaml/", doc: Docs.swaggerYAML) { _, _ in
            Self.text(rendered.yaml, mediaType: "application/yaml; charset=utf-8")
        }
        if let localUIDirectory {
            routes.on(.get, "/swagger/{asset}", slashOptional: true, doc: Docs.swaggerAsset) { _, context in
                let name = context.parameters.get("asset") ?? ""
                // Only the two files the page names: nothing else of the folder is served.
                guard let asset = Self.assets.first(where: { $0.file == name }),
                      let contents = FileManager.default.contents(atPath: URL(fileURLWithPath: localUIDirectory).appendingPathComponent(asset.file).path)
                else { throw APIError.notFound }
                var buffer = ByteBuffer()
                buffer.writeBytes(contents)
                return Response(status: .ok, headers: [.contentType: asset.mediaType, .cacheControl: "public, max-age=86400"], body: .init(byteBuffer: buffer))
            }
        }
    }


    var page: String {
        func tag(_ file: String) -> (url: String, integrity: String) {
            let integrity = Self.assets.first { $0.file == file }?.integrity ?? ""
            if localUIDirectory != nil { return ("/swagger/\(file)", "") }
            return ("https://cdn.jsdelivr.net/npm/swagger-ui-dist@\(Self.cdnVersion)/\(file)", " integrity=\"\(integrity)\" crossorigin=\"anonymous\"")
        }
        let css = tag("swagger-ui.css")
        let bundle = tag("swagger-ui-bundle.js")
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>SwiftChat API</title>
            <link rel="stylesheet" href="\(css.url)"\(css.integrity)>
            </head>
            <body>
            <div id="swagger-ui"></div>
            <script src="\(bundle.url)"\(bundle.integrity)></script>
            <script>
            window.onload = function () {
              window.ui = SwaggerUIBundle({ url: "/swagger.json/", dom_id: "#swagger-ui", persistAuthorization: true, deepLinking: true });
            };
            </script>
            </body>
            </html>
            """
    }

    static func text(_ text: String, mediaType: String) -> Response {
        var buffer = ByteBuffer()
        buffer.writeString(text)
        return Response(status: .ok, headers: [.contentType: mediaType], body: .init(byteBuffer: buffer))
    }
}

/// The document rendered once, at the first request: by then every route is registered, and
/// the table does not change while the server runs.
final class RenderedDocument: Sendable {
    private let build: @Sendable () -> JSONValue
    private let cache = Mutex<(json: String, yaml: String)?>(nil)

    init(_ build: @escaping @Sendable () -> JSONValue) {
        self.build = build
    }

    var json: String { rendered.json }
    var yaml: String { rendered.yaml }

    private var rendered: (json: String, yaml: String) {
        cache.withLock { cached in
            if let cached { return cached }
            let document = build()
            let rendered = (json: document.serialized, yaml: document.yaml)
            cached = rendered
            return rendered
        }
    }
}
