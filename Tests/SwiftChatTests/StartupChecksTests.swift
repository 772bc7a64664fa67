import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import SwiftChatServer

/// The checks `swiftchat` makes before it touches the database, in process.
@Suite("Startup checks")
struct StartupChecksTests {
    static let strongKey = String(repeating: "k", count: 40)

    @Test("a taken port is named, with the setting that moves it; a free one passes")
    func takenPort() async throws {
        let holder = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(holder.localAddress?.port)
        let taken = try Settings.load(environment: ["PORT": "\(port)"], readEnvFile: false)
        let error = await #expect(throws: StartupError.self) { try await StartupChecks.checkAddressIsFree(taken) }
        #expect(error?.description == "port \(port) on 127.0.0.1 is already in use (PORT / --port)")
        try await holder.close().get()
        // Port 0 rather than the one just freed: another process's connection may take that one at once.
        try await StartupChecks.checkAddressIsFree(try Settings.load(environment: ["PORT": "0"], readEnvFile: false))
    }

    @Test("a database path that is a folder, or under a file, is refused naming DATABASE_NAME; a folder still to be made passes")
    func databaseFolder() async throws {
        try await withTemporaryDirectory { folder in
            let plain = folder.appendingPathComponent("plain")
            #expect(FileManager.default.createFile(atPath: plain.path, contents: Data("x".utf8)))
            let underFile = plain.appendingPathComponent("db/chat.sqlite3").path
            let error = #expect(throws: StartupError.self) {
                try StartupChecks.checkDatabaseFolder(try Settings.load(environment: ["DATABASE_NAME": underFile], readEnvFile: false))
            }
            #expect(error?.description == "DATABASE_NAME (--database-name) is \(underFile), but \(plain.path) is a file, not a folder")

            let isFolder = #expect(throws: StartupError.self) {
                try StartupChecks.checkDatabaseFolder(try Settings.load(environment: ["DATABASE_NAME": folder.path], readEnvFile: false))
            }
            #expect(isFolder?.description == "DATABASE_NAME (--database-name) is \(folder.path), which is a folder, not a database file")

            let fresh = folder.appendingPathComponent("new/nested/chat.sqlite3").path
            try StartupChecks.checkDatabaseFolder(try Settings.load(environment: ["DATABASE_NAME": fresh], readEnvFile: false))
            #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("new").path), "the check creates nothing")
        }
    }

    @Test("outside dev mode the log sender gets a warning that nobody will receive a code; other setups do not")
    func logSenderWarning() throws {
        let production = try Settings.load(environment: ["PROJECT_RUNNING_ENV": "production", "SECRET_KEY": Self.strongKey], readEnvFile: false)
        #expect(StartupChecks.serveWarnings(production) == [
            "SWIFTCHAT_OTP_SENDER=log outside dev mode: codes are neither returned nor logged, so nobody will receive a code; "
                + "set SWIFTCHAT_OTP_SENDER (--otp-sender) to webhook or twilio",
        ])
        let webhook = try Settings.load(environment: [
            "PROJECT_RUNNING_ENV": "production", "SECRET_KEY": Self.strongKey,
            "SWIFTCHAT_OTP_SENDER": "webhook", "SWIFTCHAT_OTP_WEBHOOK_URL": "http://127.0.0.1:9/codes",
        ], readEnvFile: false)
        #expect(StartupChecks.serveWarnings(webhook).isEmpty)
        #expect(StartupChecks.serveWarnings(try Settings.load(environment: [:], readEnvFile: false)).isEmpty, "dev mode returns the codes")
    }
}
