import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// The access log and `/metrics`: what they say, what they never say, and that a client cannot
/// make either grow without bound.
@Suite struct ObservabilityTests {
    @Test func metricsAreOffUnlessTurnedOn() async throws {
        try await withApp { client, _ in
            let scrape = try await client.call(.get, "/metrics")
            #expect(scrape.status == .notFound)
        }
    }

    @Test func metricsCountRequestsByRoutePatternAndReadTheSocketCounters() async throws {
        try await withApp(.live, environment: ["SWIFTCHAT_METRICS": "true"]) { client, runtime in
            let alice = try await client.session(Demo.alice)
            for _ in 1...3 { #expect(try await client.call(.get, "/api/core/user/\(alice.id)/", token: alice.access).status == .ok) }
            #expect(try await client.call(.get, "/api/core/user/\(alice.id)/").status == .unauthorized)
            // Paths no route has: one series, however many different ones a client sends.
            for index in 1...40 { _ = try await client.call(.get, "/no-such-\(index)/\(UUID().uuidString)") }
            let socket = try await client.openSocket(token: alice.access, runtime: runtime)

            let scrape = try await client.call(.get, "/metrics")
            #expect(scrape.status == .ok)
            #expect(scrape.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            let lines = scrape.text.split(separator: "\n").map(String.init)
            func value(_ prefix: String, _ labels: [String]) -> Double? {
                lines.first { $0.hasPrefix(prefix + "{") && labels.allSatisfy($0.contains) }.flatMap { Double($0.split(separator: " ").last ?? "") }
            }
            let route = #"route="/api/core/user/{id}""#
            #expect(value("swiftchat_http_requests_total", [route, #"status="200""#, #"method="GET""#]) == 3)
            #expect(value("swiftchat_http_requests_total", [route, #"status="401""#]) == 1)
            #expect(value("swiftchat_http_requests_total", [#"route="NotFound""#, #"status="404""#]) == 40)
            #expect(!scrape.text.contains("no-such-"), "raw paths never become labels")
            #expect(value("swiftchat_http_request_duration_seconds_count", [route]) == 4)
            #expect(lines.contains("swiftchat_websocket_open_sockets 1"))
            #expect(lines.contains("swiftchat_broker_up 1"))
            #expect(lines.contains { $0.hasPrefix("swiftchat_fanout_subscriptions ") && $0 != "swiftchat_fanout_subscriptions 0" })
            await socket.close()
        }
    }

    @Test func theAccessLogHasOneLinePerRequestAndNoQueryString() async throws {
        let logs = LogRecorder()
        try await withTemporaryDirectory { folder in
            let settings = try testSettings(folder: folder)
            let (app, runtime) = try await buildApplication(settings: settings, logger: logs.logger)
            try await app.test(.router) { client in
                let alice = try await client.session(Demo.alice)
                #expect(try await client.call(.get, "/api/core/user/?search=secret+words&token=\(alice.access)", token: alice.access).status == .ok)
                let long = "/" + String(repeating: "a", count: 2_000)
                #expect(try await client.call(.get, long).status == .notFound)
            }
            await runtime.shutdown()
        }
        let lines = logs.all.filter { $0.level == .info }.map(\.text)
        #expect(lines.contains { $0.hasPrefix("GET /api/core/user/ 200 ") && $0.contains(" ms ") && $0.contains("hb.request.id=") }, "\(lines.suffix(5))")
        #expect(lines.contains { $0.hasPrefix("POST /api/otp/auth/ 200 ") })
        #expect(!lines.contains { $0.contains("secret") || $0.contains("search=") }, "no query string in the log")
        let cut = try #require(lines.first { $0.hasPrefix("GET /aaaa") })
        #expect(cut.count < 400 && cut.contains("… 404 "))
    }

    @Test func theAccessLogCanBeTurnedOff() async throws {
        let logs = LogRecorder()
        try await withTemporaryDirectory { folder in
            let settings = try testSettings(folder: folder, environment: ["SWIFTCHAT_ACCESS_LOG": "false"])
            let (app, runtime) = try await buildApplication(settings: settings, logger: logs.logger)
            try await app.test(.router) { client in
                let health = try await client.call(.get, "/health/")
                #expect(health.status == .ok)
            }
            await runtime.shutdown()
        }
        #expect(!logs.all.contains { $0.text.hasPrefix("GET /health/ ") })
    }
}
