import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Synchronization
import Testing
@testable import SwiftChatServer

/// Outside dev mode the code goes through the configured sender and never into a response or a
/// log (deviations D11 and D12).
@Suite("OTP delivery")
struct OTPDeliveryTests {
    static func production(webhook url: String) -> [String: String] {
        [
            "PROJECT_RUNNING_ENV": "prod", "SWIFTCHAT_OTP_SENDER": "webhook", "SWIFTCHAT_OTP_WEBHOOK_URL": url,
            "SWIFTCHAT_OTP_MESSAGE": "Your SwiftChat code: {code}",
        ]
    }

    /// The code inside a webhook delivery, after checking the delivery's shape.
    static func code(in delivery: GatewayRecorder.Request, for phone: String) -> String? {
        #expect(delivery.contentType == "application/json")
        let body = expectedJSON(delivery.body)
        guard case .string(let code) = body["code"] else {
            Issue.record("no code in \(delivery.body)")
            return nil
        }
        #expect(code.count == 6 && Int(code) != nil, "six digits outside dev mode")
        #expect(body == .object([
            ("code", .string(code)), ("message", .string("Your SwiftChat code: \(code)")), ("phone_number", .string(phone)),
        ]))
        return code
    }

    @Test("D11: the webhook receives the code, the response does not, and the code logs in")
    func webhookDelivers() async throws {
        try await GatewayRecorder.serve(answering: .ok) { base, recorder in
            let url = base + "/hook"
            try await withApp(environment: Self.production(webhook: url)) { client, _ in
                let reply = try await client.requestOTP(Demo.alice)
                #expect(reply.status == .created)
                #expect(reply.json == expectedJSON(#"{"status": "Ok"}"#))
                try #require(recorder.all.count == 1)
                let code = try #require(Self.code(in: recorder.all[0], for: Demo.alice))
                #expect(!reply.text.contains(code))
                let tokens = try await client.submitOTP(Demo.alice, code: code)
                #expect(tokens.status == .ok, "\(tokens.text)")
            }
        }
    }

    @Test("D11: when the webhook fails the request answers 503 JSON and no code stays pending")
    func webhookFailure() async throws {
        try await GatewayRecorder.serve(answering: .internalServerError) { base, recorder in
            let url = base + "/hook"
            try await withApp(environment: Self.production(webhook: url)) { client, runtime in
                for attempt in 1...2 {
                    let reply = try await client.requestOTP(Demo.alice)
                    #expect(reply.status == .serviceUnavailable, "attempt \(attempt): \(reply.text)")
                    #expect(reply.headers[.contentType] == "application/json")
                    #expect(Set(reply.dictionary.keys) == ["detail"])
                    #expect(try await runtime.store.pendingOTP(phoneNumber: Demo.alice, purpose: .authLogin) == nil)
                }
                #expect(recorder.all.count == 2, "each attempt reached the webhook")
            }
        }
    }

    @Test("D12: neither codes nor tokens are written to the logs")
    func secretsStayOutOfLogs() async throws {
        try await GatewayRecorder.serve(answering: .ok) { base, recorder in
            let url = base + "/hook"
            let logs = LogRecorder()
            try await withTemporaryDirectory { folder in
                let settings = try testSettings(folder: folder, environment: Self.production(webhook: url))
                let (app, _) = try await buildApplication(settings: settings, logger: logs.logger)
                try await app.test(.router) { client in
                    #expect(try await client.requestOTP(Demo.alice).status == .created)
                    let code = try #require(recorder.all.first.flatMap { Self.code(in: $0, for: Demo.alice) })
                    #expect(try await client.submitOTP(Demo.alice, code: wrongCode(for: code)).status == .badRequest)
                    let tokens = try await client.submitOTP(Demo.alice, code: code)
                    let access = try #require(tokens.dictionary["access_token"] as? String)
                    let refresh = try #require(tokens.dictionary["refresh_token"] as? String)
                    #expect(try await client.call(.get, Routes.me, token: access).status == .ok)
                    #expect(try await client.call(.get, Routes.me, token: access + "x").status == .unauthorized)
                    #expect(try await client.call(.post, Routes.jwtRefresh, json: #"{"refresh": "\#(refresh)"}"#).status == .ok)

                    let lines = logs.all.map(\.text)
                    #expect(!lines.isEmpty, "the app logged nothing, so this test would prove nothing")
                    for line in lines {
                        #expect(!line.contains(access.prefix(60)) && !line.contains(refresh.prefix(60)), "token in log: \(line)")
                        #expect(!line.contains("Your SwiftChat code: \(code)"), "SMS text in log: \(line)")
                        #expect(!line.contains("=\(code) ") && !line.hasSuffix("=\(code)"), "code in log: \(line)")
                    }
                }
            }
        }
    }

    @Test("D11: dev mode logs a warning at startup; production does not", arguments: [true, false])
    func devModeWarning(devMode: Bool) async throws {
        let logs = LogRecorder()
        try await withTemporaryDirectory { folder in
            let settings = try testSettings(folder: folder, environment: ["PROJECT_RUNNING_ENV": devMode ? "dev" : "prod"])
            _ = try await buildApplication(settings: settings, logger: logs.logger)
        }
        let warned = logs.all.contains { $0.level == .warning && $0.text.contains("dev mode") }
        #expect(warned == devMode)
    }
}
