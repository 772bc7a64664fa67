import Foundation
import HummingbirdTesting
import Testing
@testable import SwiftChatServer

/// `/swagger/` with no local copy of Swagger UI and no internet: the page itself says what is
/// missing and names the command that fetches a copy (`scripts/fetch_swagger_ui.sh`), links the
/// OpenAPI document, and runs no inline script (the web client's Content-Security-Policy forbids it).
@Suite struct SwaggerOfflineTests {
    static let fetchScript = packageRoot.appendingPathComponent(SwaggerController.fetchCommand)

    @Test func pageWithoutALocalCopyExplainsWhatIsMissingAndTheCommand() async throws {
        try await withApp { client, _ in
            let page = try await client.call(.get, "/swagger/")
            #expect(page.status == .ok)
            let html = page.text
            #expect(html.contains("<section id=\"\(SwaggerController.explanationID)\">"), "the explanation is in view by default")
            #expect(html.contains("<h1>Swagger UI did not load</h1>"))
            #expect(html.contains("<code>SWIFTCHAT_SWAGGER_UI_DIR</code> is unset"))
            #expect(html.contains("no internet access"))
            #expect(html.contains("<pre><code>scripts/fetch_swagger_ui.sh</code></pre>"))
            #expect(html.contains("SWIFTCHAT_SWAGGER_UI_DIR=data/swagger-ui swift run swiftchat serve"))
            #expect(html.contains("<a href=\"/swagger.json/\">"))
            #expect(html.contains("<a href=\"/swagger.yaml/\">"))
        }
    }

    @Test func pageWithALocalCopyExplainsTheFolder() async throws {
        try await withTemporaryDirectory { folder in
            try "/* bundle */".write(to: folder.appendingPathComponent("swagger-ui-bundle.js"), atomically: true, encoding: .utf8)
            try await withApp(environment: ["SWIFTCHAT_SWAGGER_UI_DIR": folder.path]) { client, _ in
                let html = try await client.call(.get, "/swagger/").text
                #expect(html.contains("the folder named by <code>SWIFTCHAT_SWAGGER_UI_DIR</code>"))
                #expect(html.contains("<pre><code>scripts/fetch_swagger_ui.sh</code></pre>"))
                #expect(!html.contains(folder.path), "the page does not show where the server's files are")
                // The page's own script is served beside the local files.
                #expect(try await client.call(.get, "/swagger/init.js").status == .ok)
            }
        }
    }

    @Test(arguments: [false, true])
    func pageRunsNoInlineScript(withLocalCopy: Bool) async throws {
        try await withTemporaryDirectory { folder in
            try "/* bundle */".write(to: folder.appendingPathComponent("swagger-ui-bundle.js"), atomically: true, encoding: .utf8)
            let environment = withLocalCopy ? ["SWIFTCHAT_SWAGGER_UI_DIR": folder.path] : [:]
            try await withApp(environment: environment) { client, _ in
                let html = try await client.call(.get, "/swagger/").text
                let scripts = html.matches(of: /<script\b([^>]*)>([\s\S]*?)<\/script>/)
                #expect(scripts.count == 2, "the bundle and init.js")
                #expect(html.components(separatedBy: "<script").count - 1 == scripts.count)
                for script in scripts {
                    #expect(script.output.1.contains(" src=\""), "a script without src: \(script.output.0)")
                    #expect(script.output.2.isEmpty, "a script with inline code: \(script.output.0)")
                }
                #expect(html.firstMatch(of: /<[^>]*\son[a-z]+\s*=/.ignoresCase()) == nil, "an inline event handler")
                #expect(!html.lowercased().contains("javascript:"))
                #expect(!html.contains("<style"), "an inline style sheet")
                #expect(!html.contains("style=\""), "an inline style")
            }
        }
    }

    @Test func initScriptStartsSwaggerUIOnlyWhenItLoaded() async throws {
        try await withApp { client, _ in
            let script = try await client.call(.get, "/swagger/init.js")
            #expect(script.status == .ok)
            #expect(script.headers[.contentType]?.hasPrefix("text/javascript") == true)
            #expect(script.text.contains("typeof window.SwaggerUIBundle !== \"function\""))
            #expect(script.text.contains("document.getElementById(\"\(SwaggerController.explanationID)\")"))
            #expect(script.text.contains("url: \"/swagger.json/\""))
            // Served without the final slash, never redirected (it is a file).
            #expect(try await client.call(.get, "/swagger/init.js/").status == .ok)
        }
    }

    /// The script the page names exists, runs as named, and pins the release the page loads.
    @Test func fetchScriptPinsTheReleaseThePageLoads() throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.fetchScript.path), "\(SwaggerController.fetchCommand) is not executable")
        let script = try String(contentsOf: Self.fetchScript, encoding: .utf8)
        #expect(script.contains("\nversion=\(SwaggerController.cdnVersion)\n"))
        for asset in SwaggerController.assets {
            #expect(script.contains("\"\(asset.file) \(asset.integrity)\""), "\(asset.file)'s pin differs")
        }
    }

    static var canRunFetchScript: Bool {
        SwaggerBrowserTests.swaggerUIDirectory != nil
            && ["/usr/bin/curl", "/usr/bin/tar"].allSatisfy { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// The script against a tarball on this machine (`SWAGGER_UI_TARBALL_URL`, a `file://`
    /// address): the release as published is kept and named in the setting it prints; a
    /// tampered copy is refused and nothing is kept.
    @Test(.enabled(if: canRunFetchScript, "needs curl, tar and a swagger-ui-dist folder (SWIFTCHAT_SWAGGER_UI_DIR or the drf-spectacular-sidecar package)"))
    func fetchScriptKeepsOnlyThePublishedRelease() async throws {
        let release = try #require(SwaggerBrowserTests.swaggerUIDirectory)
        try await withTemporaryDirectory { folder in
            let package = folder.appendingPathComponent("source/package")
            try FileManager.default.createDirectory(at: package.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: URL(fileURLWithPath: release), to: package)
            let good = folder.appendingPathComponent("good.tgz").path
            #expect(try await Self.run("/usr/bin/tar", ["-czf", good, "-C", package.deletingLastPathComponent().path, "package"]).status == 0)

            let kept = folder.appendingPathComponent("data/swagger-ui")
            let fetched = try await Self.run("/usr/bin/env", ["bash", Self.fetchScript.path, kept.path], extra: ["SWAGGER_UI_TARBALL_URL": "file://" + good])
            #expect(fetched.status == 0, "\(fetched.output)")
            #expect(fetched.output.hasSuffix("SWIFTCHAT_SWAGGER_UI_DIR=\(kept.path)\n"), "\(fetched.output)")
            for asset in SwaggerController.assets {
                #expect(FileManager.default.fileExists(atPath: kept.appendingPathComponent(asset.file).path))
            }
            // What it kept is a folder the server accepts.
            #expect(throws: Never.self) { try Settings.load(environment: ["SWIFTCHAT_SWAGGER_UI_DIR": kept.path], readEnvFile: false) }

            try "/* not the release */".write(to: package.appendingPathComponent("swagger-ui-bundle.js"), atomically: true, encoding: .utf8)
            let tampered = folder.appendingPathComponent("tampered.tgz").path
            #expect(try await Self.run("/usr/bin/tar", ["-czf", tampered, "-C", package.deletingLastPathComponent().path, "package"]).status == 0)
            let refusedFolder = folder.appendingPathComponent("refused")
            let refused = try await Self.run("/usr/bin/env", ["bash", Self.fetchScript.path, refusedFolder.path], extra: ["SWAGGER_UI_TARBALL_URL": "file://" + tampered])
            #expect(refused.status != 0)
            #expect(refused.output.contains("swagger-ui-bundle.js does not match the pinned hash"), "\(refused.output)")
            #expect(!FileManager.default.fileExists(atPath: refusedFolder.path))

            // Nor does it replace a folder that is not a copy of Swagger UI.
            let unrelated = folder.appendingPathComponent("source")
            let kept2 = try await Self.run("/usr/bin/env", ["bash", Self.fetchScript.path, unrelated.path], extra: ["SWAGGER_UI_TARBALL_URL": "file://" + good])
            #expect(kept2.status != 0)
            #expect(FileManager.default.fileExists(atPath: package.path))
        }
    }

    /// Chromium with every host but loopback unresolvable, as on a machine without internet:
    /// the CDN cannot be reached, and the rendered page shows the explanation.
    @Test(.enabled(if: SwaggerBrowserTests.chromium != nil || SwaggerBrowserTests.required, "needs Chromium"))
    func browserWithoutInternetShowsTheExplanation() async throws {
        let browser = try #require(SwaggerBrowserTests.chromium, "Chromium is not installed")
        try await withApp(.live) { client, _ in
            let port = try #require(client.port)
            let offline = ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000",
                           "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--dump-dom", "http://127.0.0.1:\(port)/swagger/"]
            let dom = try await SwaggerBrowserTests.runAsync(browser, offline)
            let section = try #require(dom.firstMatch(of: /<section id="swagger-ui-missing"[^>]*>/), "no explanation in: \(dom)")
            #expect(!section.output.contains("hidden"), "the explanation is hidden: \(section.output)")
            #expect(dom.contains("<pre><code>scripts/fetch_swagger_ui.sh</code></pre>"))
            #expect(!dom.contains("opblock"), "Swagger UI rendered without its files")
        }
    }

    /// Runs a short program to its end (killed after a minute) and returns its status and output.
    static func run(_ executable: String, _ arguments: [String], extra: [String: String] = [:]) async throws -> (status: Int32, output: String) {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("swiftchat-run-\(UUID().uuidString).txt").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        let child = try ChildProcess(executable, arguments, environment: environment, outputPath: output)
        if await !eventually(within: .seconds(60), { !child.isRunning }) { child.signal(SIGKILL) }
        let status = await child.waitForExit()
        return (status, (try? String(contentsOfFile: output, encoding: .utf8)) ?? "")
    }
}
