import Foundation
import Synchronization
import Hummingbird
import SwiftChatCore

/// `/swagger/` (Swagger UI), `/swagger.json/` and `/swagger.yaml/` (the OpenAPI document), as the
/// original served them. Swagger UI's own files are not ours: they come from a local copy when
/// `SWIFTCHAT_SWAGGER_UI_DIR` names one, otherwise from a pinned CDN release with subresource
/// integrity. When they cannot load (no local copy and no internet), the page says so itself.
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
        routes.on(.get, "/swagger/init.js", slashOptional: true, doc: Docs.swaggerInit) { _, _ in
            Self.text(Self.initScript, mediaType: "text/javascript; charset=utf-8")
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


    /// The page names its scripts by address only: the Content-Security-Policy of the web
    /// client's pages allows no inline script, so what starts Swagger UI is `initScript`.
    /// Until Swagger UI has loaded, or when it never does (no local copy and no internet), the
    /// page shows what is missing and how to fetch a copy; the OpenAPI document is linked
    /// either way.
    var page: String {
        func tag(_ file: String) -> (url: String, integrity: String) {
            let integrity = Self.assets.first { $0.file == file }?.integrity ?? ""
            if localUIDirectory != nil { return ("/swagger/\(file)", "") }
            return ("https://cdn.jsdelivr.net/npm/swagger-ui-dist@\(Self.cdnVersion)/\(file)", " integrity=\"\(integrity)\" crossorigin=\"anonymous\"")
        }
        let css = tag("swagger-ui.css")
        let bundle = tag("swagger-ui-bundle.js")
        let source = localUIDirectory == nil
            ? "This server has no local copy of Swagger UI (<code>SWIFTCHAT_SWAGGER_UI_DIR</code> is unset), so this page loads Swagger UI \(Self.cdnVersion) from cdn.jsdelivr.net, and this browser could not load it from there: no internet access, the address blocked, or JavaScript turned off."
            : "This server serves Swagger UI from the folder named by <code>SWIFTCHAT_SWAGGER_UI_DIR</code>, and this browser could not run it: the folder holds an incomplete copy, or JavaScript is turned off."
        // The bundle comes before the explanation: while it loads, the parser waits there, so
        // the explanation only appears once the bundle has loaded (init.js then hides it) or failed.
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>SwiftChat API</title>
            <link rel="stylesheet" href="\(css.url)"\(css.integrity)>
            </head>
            <body>
            <p id="openapi-document">The OpenAPI document of this API: <a href="/swagger.json/">/swagger.json/</a> (JSON), <a href="/swagger.yaml/">/swagger.yaml/</a> (YAML).</p>
            <script src="\(bundle.url)"\(bundle.integrity)></script>
            <section id="\(Self.explanationID)">
            <h1>Swagger UI did not load</h1>
            <p>\(source)</p>
            <p>To serve Swagger UI from this server, fetch a local copy once, in the SwiftChat source folder (it downloads swagger-ui-dist \(Self.cdnVersion) from the npm registry and checks it against the pinned hashes):</p>
            <pre><code>\(Self.fetchCommand)</code></pre>
            <p>Then start the server with the setting it prints, from the same folder: <code>SWIFTCHAT_SWAGGER_UI_DIR=data/swagger-ui swift run swiftchat serve</code>. The Docker image carries a copy already.</p>
            <p>Without Swagger UI, the links above give the whole API description.</p>
            </section>
            <div id="swagger-ui"></div>
            <script src="/swagger/init.js"></script>
            </body>
            </html>
            """
    }

    /// The command the page names: it fetches the release pinned here (a test compares the pins).
    static let fetchCommand = "scripts/fetch_swagger_ui.sh"
    static let explanationID = "swagger-ui-missing"

    /// Starts Swagger UI if its bundle loaded; otherwise leaves the explanation in view.
    static let initScript = """
        "use strict";
        (function () {
          if (typeof window.SwaggerUIBundle !== "function") {
            console.error("Swagger UI did not load: see the page for the command that fetches a local copy.");
            return;
          }
          var explanation = document.getElementById("\(explanationID)");
          if (explanation) { explanation.hidden = true; }
          window.ui = window.SwaggerUIBundle({ url: "/swagger.json/", dom_id: "#swagger-ui", persistAuthorization: true, deepLinking: true });
        })();

        """

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
