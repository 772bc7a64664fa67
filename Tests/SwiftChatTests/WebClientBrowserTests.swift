import Foundation
import HummingbirdTesting
import Testing
@testable import SwiftChatServer

/// The web client in real browsers: `Tests/Browser/web_client_check.py` drives two Chromium
/// sessions through Selenium (sign-in, interests, live chat both ways, a group with a third
/// user, scroll-back, a network drop and the catch-up after it, a failed post and its retry,
/// attachments (previews, a recorded video and a sound in their players, file cards), a
/// phone-sized screen, sign-out, and no Content-Security-Policy violation) against a live app.
/// Runs in a pass of its own, with `SWIFTCHAT_BROWSER_PASS=1` (two Chromium browsers beside the
/// rest of the suite starve its timing-sensitive tests): `.ci/run` runs
/// `SWIFTCHAT_BROWSER_PASS=1 swift test --filter WebClientBrowserTests` after the other passes.
/// It needs Chromium, chromedriver and Selenium; `SWIFTCHAT_REQUIRE_BROWSER_TEST=1` (as in
/// `.ci/run`) makes their absence a failure. Screenshots of every step are kept in
/// `.build/artifacts/web-client/`; a second scenario is away longer than the event log keeps, so
/// that the page must handle `resync_required`.
@Suite(.serialized) struct WebClientBrowserTests {
    static let selected = ProcessInfo.processInfo.environment["SWIFTCHAT_BROWSER_PASS"] == "1"
    static let chromedriver = ["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let hasSelenium = (try? SwaggerBrowserTests.run("/usr/bin/env", ["python3", "-c", "import selenium; print('ok')"]))?.hasPrefix("ok") == true
    static let available = SwaggerBrowserTests.chromium != nil && chromedriver != nil && hasSelenium
    static let runs = selected && (available || SwaggerBrowserTests.required)
    static let reason: Comment = "runs with SWIFTCHAT_BROWSER_PASS=1; needs Chromium, chromedriver and Selenium (apt chromium-driver, pip selenium)"

    @Test(.enabled(if: runs, reason))
    func twoPeopleChatInTheirBrowsers() async throws {
        try await check(scenario: "tour", screenshots: 20, environment: [:])
    }

    @Test(.enabled(if: runs, reason))
    func awayLongerThanTheLogKeeps() async throws {
        // The log keeps one event per user and is pruned every second.
        let environment = ["SWIFTCHAT_EVENT_RETENTION": "1s", "SWIFTCHAT_EVENT_RETENTION_COUNT": "1", "SWIFTCHAT_EVENT_PRUNE_INTERVAL": "1s"]
        try await check(scenario: "resync", screenshots: 3, environment: environment)
    }

    /// Runs one scenario of the script against a live app; its screenshots go to
    /// `.build/artifacts/web-client/<scenario>/`.
    private func check(scenario: String, screenshots: Int, environment: [String: String]) async throws {
        try #require(Self.available, "Chromium, chromedriver or Selenium is missing")
        let artifacts = packageRoot.appendingPathComponent(".build/artifacts/web-client/\(scenario)")
        try? FileManager.default.removeItem(at: artifacts)
        // Rate limits off: one person clicking quickly through the whole tour is not abuse.
        let limitsOff = ["SWIFTCHAT_MESSAGE_RATE_PER_USER": "0", "SWIFTCHAT_INTEREST_RATE_PER_USER": "0"]
        try await withApp(.live, environment: limitsOff.merging(environment) { _, new in new }) { client, _ in
            let port = try #require(client.port)
            let script = packageRoot.appendingPathComponent("Tests/Browser/web_client_check.py").path
            let output = try await SwaggerBrowserTests.runAsync(
                "/usr/bin/env", ["python3", script, "--base", "http://127.0.0.1:\(port)", "--artifacts", artifacts.path, "--scenario", scenario],
                timeout: .seconds(300))
            #expect(output.contains("web client check passed"), "\(output.suffix(4000))")
            let shots = (try? FileManager.default.contentsOfDirectory(atPath: artifacts.path).filter { $0.hasSuffix(".png") }) ?? []
            #expect(shots.count >= screenshots, "screenshots: \(shots.sorted())")
        }
    }
}
