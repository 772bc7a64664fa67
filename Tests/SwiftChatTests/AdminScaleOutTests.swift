import Foundation
import HummingbirdTesting
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// The admin site behind a load balancer: two web processes and a ws process on one PostgreSQL
/// database and Redis. A session made by one web process is good on the other (sessions live in
/// the database), and a deactivation made on either closes the user's socket on the ws process.
@Suite(
    "Admin site across processes",
    .enabled(
        if: (TestBackends.postgresURL != nil && TestBackends.redisURL != nil) || TestBackends.required,
        "needs SWIFTCHAT_TEST_DATABASE_URL and SWIFTCHAT_TEST_REDIS_URL (scripts/test_backends.sh start)"))
struct AdminScaleOutTests {
    @Test func aSessionFromOneWebProcessServesTheOtherAndADeactivationReachesTheWSProcess() async throws {
        let redisURL = try #require(TestBackends.redisURL, "SWIFTCHAT_TEST_REDIS_URL")
        try await withStorePlace(.postgres) { place in
            try await withTemporaryDirectory { folder in
                let shared = [
                    "DATABASE_URL": try #require(place.databaseURL), "REDIS_URL": redisURL,
                    "SWIFTCHAT_REDIS_CHANNEL": "swiftchat-test:\(UUID().uuidString)", "SECRET_KEY": "admin-scale-out-secret-0123456789abcdef",
                ]
                let servers = try await ServerProcess.startTogether([
                    ("web1", shared.merging(["SWIFTCHAT_ROLE": "web"]) { $1 }), ("web2", shared.merging(["SWIFTCHAT_ROLE": "web"]) { $1 }),
                    ("ws", shared.merging(["SWIFTCHAT_ROLE": "ws"]) { $1 }),
                ], folder: folder)
                let (web1, web2, ws) = (servers[0], servers[1], servers[2])
                do {
                    let cast = try await web1.client.cast()
                    let socket = SocketClient(port: ws.port, path: "/ws/?token=\(cast.rahul.access)")
                    try #require(await socket.waitUntilConnected(), "socket: \(String(describing: socket.outcome))")
                    try #require(await socket.probe(), "socket never subscribed")

                    // Signed in through web1; the next page comes from web2 with the same cookie.
                    let first = AdminBrowser(web1.client, origin: nil)
                    #expect(try await first.signIn(Demo.admin, Demo.adminPassword).status == .seeOther)
                    let second = AdminBrowser(web2.client, origin: nil)
                    second.setCookie(AdminCookie.session, try #require(first.cookie(AdminCookie.session)))
                    let page = try await second.get("/admin/users/\(cast.rahul.id)/")
                    #expect(page.status == .ok)
                    #expect(page.html.contains(Demo.rahul))

                    let done = try await second.submit("/admin/users/\(cast.rahul.id)/", from: page, [("first_name", "Rahul")])
                    #expect(done.status == .seeOther)
                    #expect(await socket.waitForEnd(within: .seconds(15)) == .closed(code: 1008), "ws: \(ws.output.suffix(1_500))")
                    #expect(try await web1.client.call(.get, "/api/core/user/me/", token: cast.rahul.access).status == .unauthorized)
                    // Signing out on web1 ends the session on web2 too.
                    let dashboard = try await first.get("/admin/")
                    #expect(try await first.submit("/admin/logout/", from: dashboard, []).status == .seeOther)
                    #expect(try await second.get("/admin/").status == .seeOther)
                } catch {
                    for server in servers { await server.stop() }
                    throw error
                }
                for server in servers { #expect(await server.stop() == 0, "a clean exit on SIGTERM") }
            }
        }
    }
}
