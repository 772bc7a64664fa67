import SwiftChatCore
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// A clock tests can move forward (OTP expiry, token expiry).
final class TestClock: Sendable {
    private let current = Mutex(Date())

    var now: Date { current.withLock { $0 } }

    func advance(by seconds: TimeInterval) {
        current.withLock { $0 = $0.addingTimeInterval(seconds) }
    }

    var function: @Sendable () -> Date { { self.now } }
}

/// A fresh temporary folder per test, removed afterwards.
func withTemporaryDirectory<T>(_ body: (URL) async throws -> T) async throws -> T {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swiftchat-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: folder) }
    return try await body(folder)
}

/// Settings for tests: a real SQLite file in `folder`, dev mode without the demo content (tests
/// count what they create), cheap bcrypt, port 0, and no `.env` file. `environment` overrides
/// any setting by its variable name.
func testSettings(folder: URL, environment: [String: String] = [:]) throws -> Settings {
    var values = [
        "DATABASE_NAME": folder.appendingPathComponent("db/swiftchat.sqlite3").path,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-0123456789",
        "PROJECT_RUNNING_ENV": "dev",
        "SWIFTCHAT_DEMO_CONTENT": "false",
        "SWIFTCHAT_BCRYPT_COST": "4",
        "PORT": "0",
        "SWIFTCHAT_WS_PING_INTERVAL": "0",
        // A handshake's token check waits for the store; with the whole suite running at once
        // that can take longer than production's 5 s, and a 503 then would fail tests that
        // test something else.
        "SWIFTCHAT_WS_HANDSHAKE_TIMEOUT": "30s",
        // Pings are off, so the idle watchdog would close a socket whose test is busy posting
        // for a minute on a loaded machine; the tests of the watchdog set their own.
        "SWIFTCHAT_WS_IDLE_TIMEOUT": "600s",
    ]
    values.merge(environment) { _, new in new }
    return try Settings.load(environment: values, readEnvFile: false)
}

var testLogger: Logger {
    var logger = Logger(label: "swiftchat-tests")
    // SWIFTCHAT_TEST_LOG_LEVEL=debug (or trace) shows what the apps and libraries do while investigating a test.
    logger.logLevel = TestBackends.environment["SWIFTCHAT_TEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .error
    return logger
}

/// Builds the real application on a temporary SQLite file and runs `body` against it, in
/// process (`.router`) or over TCP (`.live`, needed for WebSockets).
func withApp(
    _ mode: TestingSetup = .router, environment: [String: String] = [:], clock: TestClock? = nil,
    _ body: @escaping @Sendable (any TestClientProtocol, AppRuntime) async throws -> Void
) async throws {
    try await withTemporaryDirectory { folder in
        try await withAppBackends(environment) { environment in
            let settings = try testSettings(folder: folder, environment: environment)
            let (app, runtime) = try await buildApplication(settings: settings, logger: testLogger, now: clock?.function ?? Date.init)
            do {
                try await app.test(mode) { client in try await body(client, runtime) }
            } catch {
                await runtime.shutdown()
                throw error
            }
            await runtime.shutdown()
        }
    }
}

/// With `SWIFTCHAT_TEST_APP_BACKENDS=production`, every app a test builds runs on PostgreSQL (a
/// schema of its own) and Redis (a channel of its own) instead of SQLite and the in-process
/// broker: the whole suite, on the production backends. A test's own settings win.
private func withAppBackends(_ environment: [String: String], _ body: ([String: String]) async throws -> Void) async throws {
    guard TestBackends.appsRunOnProduction else { return try await body(environment) }
    try await withStorePlace(.postgres) { place in
        // Few connections per app: many apps run at once against one server (at most
        // `PlaceSlots.shared`'s limit of them, see Backends.swift).
        var production = ["DATABASE_URL": place.databaseURL ?? "", "SWIFTCHAT_DATABASE_CONNECTIONS": "2"]
        if let redis = TestBackends.redisURL {
            production["REDIS_URL"] = redis
            production["SWIFTCHAT_REDIS_CHANNEL"] = "swiftchat-test:\(UUID().uuidString)"
        }
        try await body(production.merging(environment) { $1 })
    }
}

/// Demo users seeded at start.
enum Demo {
    static let admin = "+911234567891"
    static let adminPassword = "@admin"
    static let john = "+917209779890"
    static let alice = "+917809772989"
    static let rahul = "+917909772989"
    static let maria = "+918744964282"
    static let chen = "+918474964282"
}

/// A decoded response: status, headers and the JSON body (nil when empty or not JSON).
struct Reply: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let text: String

    var json: JSONValue? { try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }

    /// The body decoded into plain Foundation values, for convenient assertions.
    var object: Any? { try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed]) }
    var dictionary: [String: Any] { object as? [String: Any] ?? [:] }
    var array: [[String: Any]] { object as? [[String: Any]] ?? [] }
}

extension TestClientProtocol {
    /// Sends a request with an optional JSON body (a JSON string, or an encodable dictionary)
    /// and optional `Authorization: JWT <token>`.
    func call(
        _ method: HTTPRequest.Method, _ uri: String, json: String? = nil, token: String? = nil, scheme: String = "JWT",
        headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = extra
        if let token { headers[.authorization] = "\(scheme) \(token)" }
        if json != nil, headers[.contentType] == nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: json.map { ByteBuffer(string: $0) }) { response in
            Reply(status: response.status, headers: response.headers, text: String(buffer: response.body))
        }
    }

    /// Requests an `A` code in dev mode and logs in with it; returns (access, refresh, user id).
    func logIn(_ phone: String) async throws -> (access: String, refresh: String, userID: Int64) {
        let code = try await call(.post, "/api/otp/gen/phone_number/", json: #"{"phone_number": "\#(phone)", "otp_for": "A"}"#)
        #expect(code.status == .created, "otp gen for \(phone): \(code.text)")
        let raw = code.dictionary["raw_otp"] as? String ?? ""
        let tokens = try await call(.post, "/api/otp/auth/", json: #"{"phone_number": "\#(phone)", "otp": \#(raw)}"#)
        #expect(tokens.status == .ok, "otp auth for \(phone): \(tokens.text)")
        let access = tokens.dictionary["access_token"] as? String ?? ""
        let me = try await call(.get, "/api/core/user/me/", token: access)
        return (access, tokens.dictionary["refresh_token"] as? String ?? "", Int64(me.dictionary["id"] as? Int ?? 0))
    }
}
