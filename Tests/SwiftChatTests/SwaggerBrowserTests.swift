import Foundation
import HummingbirdTesting
import Testing
@testable import SwiftChatServer

/// Renders `/swagger/` in Debian's headless Chromium with a local copy of Swagger UI and checks
/// that every operation is listed. Runs where Chromium and a swagger-ui-dist folder are found
/// (`.ci/run` installs both and sets `SWIFTCHAT_REQUIRE_BROWSER_TEST=1`, which turns a missing
/// browser into a failure). The screenshot is kept at `.build/artifacts/swagger-ui.png`.
@Suite struct SwaggerBrowserTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let required = ProcessInfo.processInfo.environment["SWIFTCHAT_REQUIRE_BROWSER_TEST"] == "1"

    /// `SWIFTCHAT_SWAGGER_UI_DIR`, or the copy shipped by the `drf-spectacular-sidecar` PyPI package.
    static var swaggerUIDirectory: String? {
        if let configured = ProcessInfo.processInfo.environment["SWIFTCHAT_SWAGGER_UI_DIR"], !configured.isEmpty { return configured }
        // find_spec locates the package without importing it (importing needs Django).
        let script = "import os, importlib.util as u; p = u.find_spec('drf_spectacular_sidecar').submodule_search_locations[0]; "
            + "print(os.path.join(p, 'static', 'drf_spectacular_sidecar', 'swagger-ui-dist'))"
        guard let output = try? run("/usr/bin/env", ["python3", "-c", script]) else { return nil }
        let folder = output.trimmingCharacters(in: .whitespacesAndNewlines)
        return FileManager.default.fileExists(atPath: folder + "/swagger-ui-bundle.js") ? folder : nil
    }

    @Test(.enabled(
        if: chromium != nil && swaggerUIDirectory != nil || required,
        "needs Chromium and a swagger-ui-dist folder (SWIFTCHAT_SWAGGER_UI_DIR or the drf-spectacular-sidecar package)"))
    func swaggerUIListsEveryOperation() async throws {
        let browser = try #require(Self.chromium, "Chromium is not installed")
        let folder = try #require(Self.swaggerUIDirectory, "no swagger-ui-dist folder found")
        try await withApp(.live, environment: ["SWIFTCHAT_SWAGGER_UI_DIR": folder]) { client, runtime in
            let port = try #require(client.port)
            let url = "http://127.0.0.1:\(port)/swagger/"
            let common = ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=20000", "--window-size=1280,2400"]
            let dom = try await Self.runAsync(browser, common + ["--dump-dom", url])
            let listed = dom.components(separatedBy: "class=\"opblock opblock-").count - 1
            #expect(listed == runtime.routes.all.count, "Swagger UI lists \(listed) operations")
            for path in ["/api/otp/gen/phone_number/", "/api/my_app/interests/{interest_id}/chat_messages/", "/ws/"] {
                #expect(dom.contains("data-path=\"\(path)\""), "\(path) is not listed")
            }
            #expect(dom.contains("Authorize"))
            // Once Swagger UI has loaded, init.js hides the explanation of what is missing.
            #expect(dom.contains("<section id=\"\(SwaggerController.explanationID)\" hidden=\"\">"))

            let artifacts = packageRoot.appendingPathComponent(".build/artifacts")
            try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
            let shot = artifacts.appendingPathComponent("swagger-ui.png").path
            _ = try await Self.runAsync(browser, common + ["--screenshot=\(shot)", url])
            #expect(FileManager.default.fileExists(atPath: shot))
        }
    }

    /// Runs a program to its end (killed after `timeout`) and returns what it printed. It uses
    /// posix_spawn, not Foundation's `Process`, whose helper threads were found parked in the
    /// test process when a run stalled. For short programs at discovery time only: it blocks.
    static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(60)) throws -> String {
        let output = temporaryOutputPath()
        defer { try? FileManager.default.removeItem(atPath: output) }
        let child = try ChildProcess(executable, arguments, environment: ProcessInfo.processInfo.environment, outputPath: output)
        child.waitBlocking(timeout: timeout)
        return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }

    /// `run` for the browser: waits by polling, so that no thread is held while it renders.
    static func runAsync(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(120)) async throws -> String {
        let output = temporaryOutputPath()
        defer { try? FileManager.default.removeItem(atPath: output) }
        let child = try ChildProcess(executable, arguments, environment: ProcessInfo.processInfo.environment, outputPath: output)
        if await !eventually(within: timeout, { !child.isRunning }) { child.signal(SIGKILL) }
        _ = await child.waitForExit()
        return (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
    }

    private static func temporaryOutputPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("swiftchat-run-\(UUID().uuidString).txt").path
    }
}
