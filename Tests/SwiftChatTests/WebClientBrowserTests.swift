import Foundation
import HummingbirdTesting
import Testing
@testable import SwiftChatServer

/// The web client in real browsers: `Tests/Browser/web_client_check.py` drives two Chromium
/// sessions through Selenium (sign-in, interests, live chat both ways, a group with a third
/// user, scroll-back, a network drop and the catch-up after it, a failed post and its retry, a
/// phone-sized screen, sign-out, and no Content-Security-Policy violation) against a live app.
/// Runs where Chromium, chromedriver and Selenium are found; `SWIFTCHAT_REQUIRE_BROWSER_TEST=1`
/// (as in `.ci/run`) makes their absence a failure. Screenshots of every step are kept in
/// `.build/artifacts/web-client/`.
@Suite struct WebClientBrowserTests {
    static let chromedriver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let hasSelenium = (try? SwaggerBrowserTests.run("/usr/bin/env", ["python3", "-c", "import selenium; print('ok')"]))?.hasPrefix("ok") == true
    static let available = SwaggerBrowserTests.chromium != nil && chromedriver != nil && hasSelenium

    @Test(.enabled(if: available || SwaggerBrowserTests.required, "needs Chromium, chromedriver and Selenium (apt chromium-driver, pip selenium)"))
    func twoPeopleChatInTheirBrowsers() async throws {
        try #require(Self.available, "Chromium, chromedriver or Selenium is missing")
        let artifacts = packageRoot.appendingPathComponent(".build/artifacts/web-client")
        try? FileManager.default.removeItem(at: artifacts)
        // Rate limits off: one person clicking quickly through the whole tour is not abuse.
        let environment = ["SWIFTCHAT_MESSAGE_RATE_PER_USER": "0", "SWIFTCHAT_INTEREST_RATE_PER_USER": "0"]
        try await withApp(.live, environment: environment) { client, _ in
            let port = try #require(client.port)
            let script = packageRoot.appendingPathComponent("Tests/Browser/web_client_check.py").path
            let output = try await SwaggerBrowserTests.runAsync(
                "/usr/bin/env", ["python3", script, "--base", "http://127.0.0.1:\(port)", "--artifacts", artifacts.path], timeout: .seconds(300))
            #expect(output.contains("web client check passed"), "\(output.suffix(4000))")
            let shots = (try? FileManager.default.contentsOfDirectory(atPath: artifacts.path).filter { $0.hasSuffix(".png") }) ?? []
            #expect(shots.count >= 17, "screenshots: \(shots.sorted())")
        }
    }
}
