import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import SwiftChatServer
@testable import SwiftChatWeb

/// The web client as the server serves it: every file compiled in, the page's security
/// headers, revalidation, and JSON errors for what is not there.
@Suite struct WebClientTests {
    static let assetsFolder = packageRoot.appendingPathComponent("Sources/SwiftChatWeb/Assets")

    @Test("every file of Sources/SwiftChatWeb/Assets is served, byte for byte, and nothing else is listed")
    func everyAssetIsServed() async throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.assetsFolder.path).filter { !$0.hasPrefix(".") }.sorted()
        #expect(files == WebClientAssets.all.keys.sorted())
        try await withApp { client, _ in
            for name in files {
                let path = name == WebClientAssets.page ? "/" : "/assets/\(name)"
                let reply = try await client.call(.get, path)
                #expect(reply.status == .ok, "\(path)")
                let onDisk = try Data(contentsOf: Self.assetsFolder.appendingPathComponent(name))
                #expect(Data(reply.text.utf8) == onDisk, "\(path) differs from the file")
                #expect(reply.headers[.contentType] == WebAsset.mediaType(of: name))
            }
        }
    }

    @Test("the page and its files forbid inline script, other origins and framing, and never sniff")
    func securityHeaders() async throws {
        try await withApp { client, _ in
            for path in ["/", "/assets/main.js", "/assets/app.css"] {
                let reply = try await client.call(.get, path)
                let policy = try #require(reply.headers[.contentSecurityPolicy], "\(path)")
                for directive in ["default-src 'none'", "script-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "base-uri 'none'",
                                  "require-trusted-types-for 'script'"] {
                    #expect(policy.contains(directive), "\(path): \(policy)")
                }
                #expect(!policy.contains("unsafe-inline") && !policy.contains("unsafe-eval") && !policy.contains("http"))
                #expect(reply.headers[.xContentTypeOptions] == "nosniff")
                #expect(reply.headers[PageSecurityHeaders.referrerPolicy] == "no-referrer")
                #expect(reply.headers[PageSecurityHeaders.frameOptions] == "DENY")
            }
        }
    }

    @Test("the page holds no inline script, no inline handler and no inline style, and loads nothing from elsewhere")
    func pageIsSelfContained() throws {
        let page = String(decoding: try #require(WebClientAssets.all[WebClientAssets.page]).bytes, as: UTF8.self)
        let scripts = page.components(separatedBy: "<script").dropFirst()
        #expect(scripts.count == 1)
        #expect(scripts.allSatisfy { $0.hasPrefix(" type=\"module\" src=\"/assets/") && $0.contains("></script>") })
        #expect(page.range(of: #"\son[a-z]+="#, options: .regularExpression) == nil, "an inline event handler")
        #expect(!page.contains("style=") && !page.contains("<style"))
        #expect(!page.contains("http://") && !page.contains("https://") && !page.contains("//cdn"))
        for (name, asset) in WebClientAssets.all where name.hasSuffix(".js") {
            let code = String(decoding: asset.bytes, as: UTF8.self)
            // Text from the server goes in as text only.
            #expect(!code.contains("innerHTML") && !code.contains("outerHTML") && !code.contains("insertAdjacentHTML"), "\(name)")
            #expect(!code.contains("eval(") && !code.contains("new Function"), "\(name)")
            for imported in code.matches(of: /from "\.\/([a-z]+\.js)"/) {
                #expect(WebClientAssets.all[String(imported.1)] != nil, "\(name) imports \(imported.1), which is not served")
            }
        }
    }

    @Test("a file the browser holds already is answered 304; a changed one would not match")
    func revalidation() async throws {
        try await withApp { client, _ in
            let first = try await client.call(.get, "/assets/main.js")
            let tag = try #require(first.headers[.eTag])
            #expect(first.headers[.cacheControl] == "no-cache")
            let again = try await client.call(.get, "/assets/main.js", headers: [.ifNoneMatch: tag])
            #expect(again.status == .notModified)
            #expect(again.text.isEmpty)
            let other = try await client.call(.get, "/assets/main.js", headers: [.ifNoneMatch: "\"0\""])
            #expect(other.status == .ok)
        }
    }

    @Test("unknown files, folders and traversal get the API's JSON 404; HEAD works; the API keeps its answers")
    func whatIsNotThere() async throws {
        try await withApp { client, _ in
            for path in ["/assets/nope.js", "/assets/", "/assets/..%2FPackage.swift", "/assets/../Package.swift", "/index.html", "/assets/index.html/x"] {
                let reply = try await client.call(.get, path)
                #expect(reply.status == .notFound, "\(path)")
                #expect(reply.headers[.contentType] == "application/json", "\(path)")
            }
            let head = try await client.call(.head, "/")
            #expect(head.status == .ok)
            #expect(try await client.call(.get, "/api/core/user/me/").status == .unauthorized)
            #expect(try await client.call(.get, "/health/").status == .ok)
        }
    }
}
