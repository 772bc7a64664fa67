import Testing
@testable import SwiftChatServer

@Suite struct SmokeTests {
    @Test func healthAnswersWhenTheDatabaseDoes() async throws {
        try await withApp { client, _ in
            let reply = try await client.call(.get, "/health/")
            #expect(reply.status == .ok)
            let broker = TestBackends.appsRunOnProduction ? "connected" : "in-process"
            #expect(reply.text == #"{"status":"ok","broker":"\#(broker)","event_log_reads":0}"#)
        }
    }

    @Test func demoUserLogsInByOTP() async throws {
        try await withApp { client, _ in
            let alice = try await client.logIn(Demo.alice)
            #expect(alice.userID > 0)
        }
    }
}
