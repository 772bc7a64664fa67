import SwiftChatCore
import Foundation
import HTTPTypes
import HummingbirdTesting
import Logging
import Synchronization
import Testing
@testable import SwiftChatServer

// Helpers for the OTP, JWT, user, HTTP-convention, settings and store suites.

/// A JSON literal to compare with `Reply.json` (object keys are sorted on both sides, so key
/// order does not matter). A malformed literal is a test bug and is recorded as one.
func expectedJSON(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) -> JSONValue {
    do {
        return try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    } catch {
        Issue.record("malformed expected JSON: \(text)", sourceLocation: sourceLocation)
        return .string("<malformed expected JSON>")
    }
}

/// Valid Indian mobile numbers that no seeded user has: `freshPhone(1)` is `+919812300001`.
func freshPhone(_ index: Int) -> String {
    "+9198123" + String(format: "%05d", index)
}

enum Routes {
    static let otpGenerate = "/api/otp/gen/phone_number/"
    static let otpLogIn = "/api/otp/auth/"
    static let jwtCreate = "/api/auth/jwt/create/"
    static let jwtRefresh = "/api/auth/jwt/refresh/"
    static let jwtVerify = "/api/auth/jwt/verify/"
    static let users = "/api/core/user/"
    static let me = "/api/core/user/me/"
    static func user(_ id: Int64) -> String { "/api/core/user/\(id)/" }
}

extension TestClientProtocol {
    /// `POST /api/otp/gen/phone_number/` with JSON.
    func requestOTP(_ phone: String, for purpose: String = "A", headers: HTTPFields = [:]) async throws -> Reply {
        try await call(.post, Routes.otpGenerate, json: #"{"phone_number": "\#(phone)", "otp_for": "\#(purpose)"}"#, headers: headers)
    }

    /// Requests a code in dev mode and returns it (recording an issue when none comes back).
    func rawOTP(_ phone: String, for purpose: String = "A", sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let reply = try await requestOTP(phone, for: purpose)
        #expect(reply.status == .created, "otp gen \(purpose) for \(phone): \(reply.text)", sourceLocation: sourceLocation)
        return reply.dictionary["raw_otp"] as? String ?? ""
    }

    /// `POST /api/otp/auth/` with the code as a JSON integer (or any JSON fragment).
    func submitOTP(_ phone: String, code: String) async throws -> Reply {
        try await call(.post, Routes.otpLogIn, json: #"{"phone_number": "\#(phone)", "otp": \#(code)}"#)
    }

    /// The seeded dev admin's access token, from `POST /api/auth/jwt/create/`.
    func adminAccess(sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let reply = try await call(
            .post, Routes.jwtCreate, json: #"{"phone_number": "\#(Demo.admin)", "password": "\#(Demo.adminPassword)"}"#)
        #expect(reply.status == .ok, "admin jwt/create: \(reply.text)", sourceLocation: sourceLocation)
        return reply.dictionary["access"] as? String ?? ""
    }
}

/// A different valid code than `code` (for wrong-code attempts).
func wrongCode(for code: String) -> String {
    code == "1000" ? "1001" : "1000"
}

/// Keeps every log line (message and metadata) so tests can check what is, and is not, logged.
final class LogRecorder: Sendable {
    struct Entry: Sendable {
        let level: Logger.Level
        let text: String
    }

    private let entries = Mutex<[Entry]>([])

    var all: [Entry] { entries.withLock { $0 } }

    func record(_ entry: Entry) { entries.withLock { $0.append(entry) } }

    var logger: Logger {
        var logger = Logger(label: "swiftchat-tests-recorded") { _ in RecordingLogHandler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }
}

struct RecordingLogHandler: LogHandler {
    let recorder: LogRecorder
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { _, new in new }
        let shown = all.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        let error = event.error.map { " error=\($0)" } ?? ""
        recorder.record(.init(level: event.level, text: "\(event.message) \(shown)\(error)"))
    }
}
