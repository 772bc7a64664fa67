import Foundation
import HummingbirdTesting
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// The `log` and `twilio` code senders, outside dev mode (the webhook one is in OTPDeliveryTests).
@Suite struct OTPSenderTests {
    static let sid = "ACtest0123456789abcdef"
    /// Base64 of `ACtest0123456789abcdef:tw-secret-token`, worked out apart from the server's code.
    static let basicAuth = "Basic QUN0ZXN0MDEyMzQ1Njc4OWFiY2RlZjp0dy1zZWNyZXQtdG9rZW4="

    static func twilio(apiURL: String, message: String = "Your SwiftChat code: {code}") -> [String: String] {
        [
            "PROJECT_RUNNING_ENV": "prod", "SWIFTCHAT_OTP_SENDER": "twilio", "SWIFTCHAT_TWILIO_API_URL": apiURL,
            "TWILIO_ACCOUNT_SID": sid, "TWILIO_AUTH_TOKEN": "tw-secret-token", "TWILIO_FROM_NUMBER": "+15005550006",
            "SWIFTCHAT_OTP_MESSAGE": message,
        ]
    }

    @Test func twilioGetsAFormPostWithBasicAuthAndTheCodeLogsIn() async throws {
        try await GatewayRecorder.serve(answering: .created, body: #"{"sid": "SM1", "status": "queued"}"#) { url, gateway in
            try await withApp(environment: Self.twilio(apiURL: url)) { client, _ in
                let reply = try await client.requestOTP(Demo.alice)
                #expect(reply.status == .created)
                #expect(reply.text == #"{"status":"Ok"}"#)
                try #require(gateway.all.count == 1)
                let request = gateway.all[0]
                #expect(request.path == "/2010-04-01/Accounts/\(Self.sid)/Messages.json")
                #expect(request.contentType == "application/x-www-form-urlencoded")
                #expect(request.authorization == Self.basicAuth)
                // `+` and the spaces and colon of the text are percent-encoded; the order is To, From, Body.
                let match = try #require(
                    request.body.wholeMatch(of: #/To=%2B917809772989&From=%2B15005550006&Body=Your%20SwiftChat%20code%3A%20(?<code>[1-9]\d{5})/#),
                    "\(request.body)")
                let code = String(match.output.code)
                #expect(!reply.text.contains(code))
                #expect(try await client.submitOTP(Demo.alice, code: code).status == .ok)
            }
        }
    }

    /// Form encoding is of UTF-8 bytes: a letter outside ASCII is percent-encoded too.
    @Test func twilioBodyPercentEncodesNonASCIIText() async throws {
        try await GatewayRecorder.serve(answering: .created) { url, gateway in
            try await withApp(environment: Self.twilio(apiURL: url, message: "Código {code} & más")) { client, _ in
                #expect(try await client.requestOTP(Demo.alice).status == .created)
                let body = try #require(gateway.all.first?.body)
                #expect(body.wholeMatch(of: #/To=%2B917809772989&From=%2B15005550006&Body=C%C3%B3digo%20[1-9]\d{5}%20%26%20m%C3%A1s/#) != nil, "\(body)")
            }
        }
    }

    @Test(arguments: [400, 401, 500])
    func aTwilioErrorAnswers503AndLeavesNoCodePending(_ status: Int) async throws {
        let answer = #"{"code": 21211, "message": "The 'To' number is not a valid phone number.", "status": \#(status)}"#
        try await GatewayRecorder.serve(answering: .init(code: status), body: answer) { url, gateway in
            try await withApp(environment: Self.twilio(apiURL: url)) { client, runtime in
                for attempt in 1...2 {
                    let reply = try await client.requestOTP(Demo.alice)
                    #expect(reply.status == .serviceUnavailable, "attempt \(attempt): \(reply.text)")
                    #expect(reply.headers[.contentType] == "application/json")
                    #expect(reply.text == #"{"detail":"The verification code could not be sent. Try again later."}"#)
                    #expect(try await runtime.store.pendingOTP(phoneNumber: Demo.alice, purpose: .authLogin) == nil)
                }
                #expect(gateway.all.count == 2, "each attempt reached Twilio")
            }
        }
    }

    @Test func logSenderRecordsTheMaskedPhoneAndNeverTheCode() async throws {
        let logs = LogRecorder()
        try await LogOTPSender(logger: logs.logger).send(code: "483920", to: "+917809772989")
        let entries = logs.all
        try #require(entries.count == 1)
        #expect(entries[0].level == .notice)
        #expect(entries[0].text == "verification code issued (log sender: code withheld) phone=•••••••••2989")
    }

    /// Outside dev mode with the `log` sender: the answer is the plain `Ok`, the log says a code
    /// was issued, and neither the answer nor any log line holds the code (found from its
    /// stored HMAC: four digits keep the search short).
    @Test func logSenderOutsideDevModeKeepsTheCodeOutOfLogs() async throws {
        let logs = LogRecorder()
        try await withTemporaryDirectory { folder in
            let settings = try testSettings(
                folder: folder, environment: ["PROJECT_RUNNING_ENV": "prod", "SWIFTCHAT_OTP_SENDER": "log", "SWIFTCHAT_OTP_LENGTH": "4"])
            let (app, runtime) = try await buildApplication(settings: settings, logger: logs.logger)
            try await app.test(.router) { client in
                let reply = try await client.requestOTP(Demo.alice)
                #expect(reply.status == .created)
                #expect(reply.text == #"{"status":"Ok"}"#)

                let pending = try #require(try await runtime.store.pendingOTP(phoneNumber: Demo.alice, purpose: .authLogin))
                let codes = runtime.auth.codes
                let code = try #require((1000...9999).map(String.init).first {
                    codes.hash(code: $0, phoneNumber: Demo.alice, purpose: .authLogin) == pending.codeHash
                })
                let lines = logs.all.map(\.text)
                #expect(lines.filter { $0.hasPrefix("verification code issued") }.count == 1)
                #expect(lines.contains { $0.hasPrefix("verification code issued") && $0.contains("phone=•••••••••2989") })
                for line in lines {
                    // Request ids are random hex and the masked phone ends in digits: four digits could
                    // turn up in either by chance, so they are taken out first.
                    let rest = line.replacing(#/hb\.request\.id=[0-9a-f]+/#, with: "").replacing("phone=•••••••••2989", with: "")
                    #expect(!rest.contains(code), "code in log: \(line)")
                }
                #expect(try await client.submitOTP(Demo.alice, code: code).status == .ok, "the recovered code is the real one")
            }
            await runtime.shutdown()
        }
    }
}
