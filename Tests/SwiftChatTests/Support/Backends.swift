import Foundation
import Logging
import PostgresNIO
import Testing
@testable import SwiftChatCore
@testable import SwiftChatPostgres
@testable import SwiftChatSQLite

/// The production backends the tests reach, from `SWIFTCHAT_TEST_DATABASE_URL`,
/// `SWIFTCHAT_TEST_REDIS_URL` and `SWIFTCHAT_TEST_S3_URL` (`scripts/test_backends.sh` starts all
/// three). Unset, only the embedded backends are tested, unless `SWIFTCHAT_REQUIRE_BACKEND_TESTS=1`
/// (as in `.ci/run`) makes their absence a failure.
enum TestBackends {
    static let environment = ProcessInfo.processInfo.environment
    static let postgresURL = environment["SWIFTCHAT_TEST_DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let redisURL = environment["SWIFTCHAT_TEST_REDIS_URL"].flatMap { $0.isEmpty ? nil : $0 }
    /// An S3-compatible server that checks signatures, with the key it knows (any key when unset:
    /// a server without authentication takes every one).
    static let s3URL = environment["SWIFTCHAT_TEST_S3_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let s3AccessKeyID = environment["SWIFTCHAT_TEST_S3_ACCESS_KEY_ID"].flatMap { $0.isEmpty ? nil : $0 }
    static let s3SecretAccessKey = environment["SWIFTCHAT_TEST_S3_SECRET_ACCESS_KEY"].flatMap { $0.isEmpty ? nil : $0 }
    /// A server for presigned GETs and POSTs, which moto answers with a 500 once it checks
    /// signatures; unset, they go to `s3URL`.
    static let s3OpenURL = environment["SWIFTCHAT_TEST_S3_OPEN_URL"].flatMap { $0.isEmpty ? nil : $0 }
    static let required = environment["SWIFTCHAT_REQUIRE_BACKEND_TESTS"] == "1"

    /// Set by `.ci/run` for its second pass of the whole suite.
    static let appsRunOnProduction = environment["SWIFTCHAT_TEST_APP_BACKENDS"] == "production"

    static var stores: [StoreBackend] { postgresURL == nil && !required ? [.sqlite] : [.sqlite, .postgres] }
}

enum StoreBackend: String, Sendable, CustomTestStringConvertible {
    case sqlite, postgres

    var testDescription: String { rawValue }
}

/// Where a test's store lives: a fresh SQLite file, or a fresh schema in the test PostgreSQL
/// database. `open()` can be called again to reopen the same data.
struct StorePlace: Sendable {
    let backend: StoreBackend
    let sqlitePath: String
    /// `DATABASE_URL` of the test schema (nil for SQLite), usable by a server process too.
    let databaseURL: String?

    /// A new, migrated store on this place's data.
    func open() async throws -> any ChatStore {
        let store: any ChatStore = if let databaseURL {
            // A deadline well beyond the default: on a loaded machine a conformance test's
            // statements wait their turn for seconds, which is slowness, not an outage.
            PostgresStore.standalone(url: try PostgresURL(databaseURL), maximumConnections: 4, operationTimeout: .seconds(60), logger: testLogger)
        } else {
            try SQLiteStore(path: sqlitePath)
        }
        // Bounded: an unanswered migration would hold the whole run instead of failing this test.
        try await bounded(60) { try await store.migrate() }
        return store
    }
}

/// Runs `body` with a fresh place for `backend`, removing it afterwards.
func withStorePlace<T>(_ backend: StoreBackend, _ body: (StorePlace) async throws -> T) async throws -> T {
    try await withTemporaryDirectory { folder in
        let sqlitePath = folder.appendingPathComponent("db/chat.sqlite3").path
        switch backend {
        case .sqlite:
            return try await body(StorePlace(backend: .sqlite, sqlitePath: sqlitePath, databaseURL: nil))
        case .postgres:
            guard let text = TestBackends.postgresURL else {
                throw BackendMissing(variable: "SWIFTCHAT_TEST_DATABASE_URL")
            }
            await PlaceSlots.shared.acquire()
            defer { Task { await PlaceSlots.shared.release() } }
            let schema = "test_" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
            let admin = PostgresStore.standalone(url: try PostgresURL(text), maximumConnections: 1, logger: testLogger)
            try await bounded(60) { _ = try await admin.client.query(PostgresQuery(unsafeSQL: "CREATE SCHEMA \(schema)")) }
            let url = text + (text.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
            do {
                let result = try await body(StorePlace(backend: .postgres, sqlitePath: sqlitePath, databaseURL: url))
                try await bounded(60) { _ = try await admin.client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE")) }
                await admin.close()
                return result
            } catch {
                _ = try? await bounded(60) { _ = try await admin.client.query(PostgresQuery(unsafeSQL: "DROP SCHEMA \(schema) CASCADE")) }
                await admin.close()
                throw error
            }
        }
    }
}

/// A migrated store on a fresh place, closed afterwards.
func withStore<T>(_ backend: StoreBackend, _ body: (any ChatStore, StorePlace) async throws -> T) async throws -> T {
    try await withStorePlace(backend) { place in
        let store = try await place.open()
        do {
            let result = try await body(store, place)
            await store.close()
            return result
        } catch {
            await store.close()
            throw error
        }
    }
}

struct BackendMissing: Error, CustomStringConvertible {
    let variable: String
    var description: String { "\(variable) is not set, and SWIFTCHAT_REQUIRE_BACKEND_TESTS=1 requires the production backends" }
}

/// At most this many PostgreSQL places (a schema, with the pools of the stores and apps that use
/// it) exist at once. The suite starts hundreds of tests together: with a pool each, they took
/// every connection the server allows, and then each waited for a second one that never came.
actor PlaceSlots {
    static let shared = PlaceSlots(limit: 32)

    private var available: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) {
        available = limit
    }

    func acquire() async {
        if available > 0 {
            available -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func release() {
        if waiting.isEmpty {
            available += 1
        } else {
            waiting.removeFirst().resume()
        }
    }
}
