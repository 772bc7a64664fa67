import Foundation
import HummingbirdTesting
import Testing
@testable import SwiftChatServer

/// The admin site in a real browser: `Tests/Browser/admin_site_check.py` drives Chromium through
/// Selenium against a live app (a refused non-staff sign-in, the seeded admin's sign-in, a demo
/// user found by phone and deactivated while their socket is open, a message deleted for both
/// parties, a forged form and another site's form refused, the audit log, a phone-sized screen and
/// an empty list, sign-out). Runs in the
/// browser pass with `WebClientBrowserTests` (`SWIFTCHAT_BROWSER_PASS=1`); screenshots of every
/// step are kept in `.build/artifacts/admin-site/`.
@Suite(.serialized) struct AdminSiteBrowserTests {
    @Test(.enabled(if: WebClientBrowserTests.runs, WebClientBrowserTests.reason))
    func theSeededAdminLooksAfterUsersAndMessages() async throws {
        try #require(WebClientBrowserTests.available, "Chromium, chromedriver or Selenium is missing")
        let artifacts = packageRoot.appendingPathComponent(".build/artifacts/admin-site")
        try? FileManager.default.removeItem(at: artifacts)
        try await withApp(.live, environment: ["SWIFTCHAT_MESSAGE_RATE_PER_USER": "0"]) { client, _ in
            let port = try #require(client.port)
            let script = packageRoot.appendingPathComponent("Tests/Browser/admin_site_check.py").path
            let output = try await SwaggerBrowserTests.runAsync(
                "/usr/bin/env", ["python3", script, "--base", "http://127.0.0.1:\(port)", "--artifacts", artifacts.path], timeout: .seconds(300))
            #expect(output.contains("admin site check passed"), "\(output.suffix(4000))")
            let shots = (try? FileManager.default.contentsOfDirectory(atPath: artifacts.path).filter { $0.hasSuffix(".png") }) ?? []
            #expect(shots.count >= 16, "screenshots: \(shots.sorted())")
        }
    }
}
