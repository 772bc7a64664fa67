import Foundation
import Testing
@testable import SwiftChatServer

/// `--role` mirrors the original's two containers (web and channels); the in-process broker
/// cannot connect separate processes, so the split roles need Redis, and a shared secret key.
@Suite struct RoleTests {
    @Test(arguments: ["web", "ws"])
    func splitRolesNeedRedis(role: String) async throws {
        try await withTemporaryDirectory { folder in
            #expect {
                try testSettings(folder: folder, environment: ["SWIFTCHAT_ROLE": role])
            } throws: { error in
                "\(error)".contains("SWIFTCHAT_ROLE") && "\(error)".contains("needs REDIS_URL")
            }
            #expect {
                try testSettings(folder: folder, environment: ["SWIFTCHAT_ROLE": role, "REDIS_URL": "redis://127.0.0.1:6379", "SECRET_KEY": ""])
            } throws: { error in
                "\(error)".contains("SECRET_KEY") && "\(error)".contains("every process")
            }
            #expect(throws: Never.self) {
                try testSettings(folder: folder, environment: ["SWIFTCHAT_ROLE": role, "REDIS_URL": "redis://127.0.0.1:6379"])
            }
        }
    }

    @Test func roleWebServesTheAPIAndDocumentsTheSocketItLeavesToWS() async throws {
        try await withApp(environment: ["SWIFTCHAT_ROLE": "web", "REDIS_URL": TestBackends.redisURL ?? "redis://127.0.0.1:1"]) { client, _ in
            #expect(try await client.call(.get, "/api/core/").status == .ok)
            #expect(try await client.call(.get, "/ws/").status == .notFound)
            let document = try await client.call(.get, "/swagger.json/")
            let paths = document.dictionary["paths"] as? [String: Any] ?? [:]
            #expect(paths["/ws/"] != nil, "the documentation describes the whole deployment")
            #expect(paths["/api/core/user/me/"] != nil)
        }
    }

    @Test func roleWSServesOnlyTheSocketAndHealth() async throws {
        try await withApp(environment: ["SWIFTCHAT_ROLE": "ws", "REDIS_URL": TestBackends.redisURL ?? "redis://127.0.0.1:1"]) { client, _ in
            let health = try await client.call(.get, "/health/")
            #expect(health.status == .ok)
            #expect(try await client.call(.get, "/ws/").status == .forbidden, "a GET without an upgrade")
            #expect(try await client.call(.get, "/api/core/").status == .notFound)
            #expect(try await client.call(.get, "/swagger.json/").status == .notFound)
        }
    }

    @Test func roleAllServesHTTPAndWebSocket() async throws {
        try await withApp(environment: ["SWIFTCHAT_ROLE": "all"]) { client, runtime in
            #expect(runtime.settings.role == .all)
            let root = try await client.call(.get, "/api/core/")
            #expect(root.status == .ok)
            // Without an upgrade the socket route refuses like the original's channels app.
            let socketWithoutUpgrade = try await client.call(.get, "/ws/")
            #expect(socketWithoutUpgrade.status == .forbidden)
        }
    }

    @Test func unknownRoleStopsStartupNamingTheSetting() throws {
        #expect {
            try Settings.load(flags: ["--role", "everything"], environment: [:], readEnvFile: false)
        } throws: { error in
            "\(error)".contains("SWIFTCHAT_ROLE") && "\(error)".contains("--role")
        }
    }
}

/// The README documents every setting the server reads.
@Suite struct DocumentationTests {
    @Test func readmeListsEverySetting() throws {
        let readme = try String(contentsOf: packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        let missing = SettingsTable.all.map(\.name).filter { !readme.contains("`\($0)`") }
        #expect(missing.isEmpty, "README.md lacks \(missing)")
    }
}

/// The package folder, found from this file's path (tests run from any working directory).
let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
