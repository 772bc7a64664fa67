import Foundation
import NIOCore
import NIOPosix
import Testing
@testable import SwiftChatServer

/// What a new operator sees from the real `swiftchat` binary when a setting, flag or command
/// is wrong: one line that names the setting, and nothing changed on disk.
@Suite(
    "Operator input",
    .enabled(if: ServerProcess.executable != nil || TestBackends.required, "runs the swiftchat binary, which is not built (swift build)"))
struct OperatorInputTests {
    @Test("serve on a port already in use names it, before migrating or seeding anything")
    func portInUse() async throws {
        let holder = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(holder.localAddress?.port)
        try await withTemporaryDirectory { folder in
            let database = folder.appendingPathComponent("data/chat.sqlite3")
            let run = try await runSwiftChat(
                ["serve"], environment: ["HOST": "127.0.0.1", "PORT": "\(port)", "DATABASE_NAME": database.path], folder: folder)
            #expect(run.status == 1)
            #expect(run.output == "Error: port \(port) on 127.0.0.1 is already in use (PORT / --port)\n")
            #expect(!FileManager.default.fileExists(atPath: database.deletingLastPathComponent().path), "nothing was migrated or seeded")
        }
        try await holder.close().get()
    }

    @Test("a DATABASE_NAME under a regular file is named by serve, migrate and seed", arguments: ["serve", "migrate", "seed"])
    func databaseUnderAFile(command: String) async throws {
        try await withTemporaryDirectory { folder in
            let plain = folder.appendingPathComponent("plain")
            #expect(FileManager.default.createFile(atPath: plain.path, contents: Data("not a folder".utf8)))
            let database = plain.appendingPathComponent("data/chat.sqlite3").path
            let run = try await runSwiftChat([command], environment: ["PORT": "0", "DATABASE_NAME": database], folder: folder)
            #expect(run.status == 1)
            #expect(run.output == "Error: DATABASE_NAME (--database-name) is \(database), but \(plain.path) is a file, not a folder\n")
        }
    }

    /// Root writes to read-only folders, so as root the command runs as `nobody` through setpriv.
    static let unprivileged: [String]? = {
        guard geteuid() == 0 else { return [] }
        let setpriv = "/usr/bin/setpriv"
        return FileManager.default.isExecutableFile(atPath: setpriv) ? [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"] : nil
    }()

    @Test(
        "a read-only DATABASE_NAME folder is named by serve, migrate and seed; a writable one works for the same user",
        .enabled(if: unprivileged != nil, "file permissions do not apply to root, and setpriv (util-linux) is missing to drop them"),
        arguments: ["serve", "migrate", "seed"])
    func readOnlyDatabaseFolder(command: String) async throws {
        let prefix = try #require(Self.unprivileged)
        try await withTemporaryDirectory { folder in
            let files = FileManager.default
            // The test's folder must be reachable by the unprivileged user.
            try files.setAttributes([.posixPermissions: 0o755], ofItemAtPath: folder.path)
            let readOnly = folder.appendingPathComponent("read-only")
            try files.createDirectory(at: readOnly, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o555])
            let refused = readOnly.appendingPathComponent("chat.sqlite3").path
            let run = try await runSwiftChat(prefix, [command], environment: ["PORT": "0", "DATABASE_NAME": refused], folder: folder)
            #expect(run.status == 1)
            #expect(run.output
                == "Error: DATABASE_NAME (--database-name) is \(refused), but the folder \(readOnly.path) is not writable by this process\n")
            let missing = readOnly.appendingPathComponent("data/chat.sqlite3").path
            let nested = try await runSwiftChat(prefix, [command], environment: ["PORT": "0", "DATABASE_NAME": missing], folder: folder)
            #expect(nested.status == 1)
            #expect(nested.output == "Error: DATABASE_NAME (--database-name) is \(missing), "
                + "but its folder cannot be created: \(readOnly.path) is not writable by this process\n")
            #expect(try files.contentsOfDirectory(atPath: readOnly.path).isEmpty)

            // The same user succeeds with a writable folder (serve would keep running; migrate and seed finish).
            if command != "serve" {
                let writable = folder.appendingPathComponent("writable")
                try files.createDirectory(at: writable, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o777])
                let works = try await runSwiftChat(
                    prefix, [command], environment: ["DATABASE_NAME": writable.appendingPathComponent("chat.sqlite3").path], folder: folder)
                #expect(works.status == 0, "\(works.output)")
            }
        }
    }

    @Test("a misspelled SWIFTCHAT_ variable in the environment or .env gets a warning with the setting it resembles")
    func misspelledVariables() async throws {
        try await withTemporaryDirectory { folder in
            let envFile = folder.appendingPathComponent("settings.env")
            try "SWIFTCHAT_DEMO_USER=false\n".write(to: envFile, atomically: true, encoding: .utf8)
            let run = try await runSwiftChat(["migrate"], environment: [
                "SWIFTCHAT_OTP_LIFETME": "60s", "SWIFTCHAT_ENV_FILE": envFile.path,
                "OTP_LIFETME": "60s", "SWIFTCHAT_TEST_REDIS_URL": "redis://127.0.0.1:1",
            ], folder: folder)
            #expect(run.status == 0, "\(run.output)")
            let warnings = run.output.split(separator: "\n").filter { $0.contains("is not a setting") }
            #expect(warnings.count == 2, "\(run.output)")
            #expect(run.output.contains(
                "SWIFTCHAT_OTP_LIFETME (in the environment) is not a setting and is ignored; did you mean SWIFTCHAT_OTP_LIFETIME?"))
            #expect(run.output.contains(
                "SWIFTCHAT_DEMO_USER (in \(envFile.path)) is not a setting and is ignored; did you mean SWIFTCHAT_DEMO_USERS?"))
        }
    }

    @Test("an unknown flag is refused with the flag it resembles, and nothing is created")
    func unknownFlag() async throws {
        try await withTemporaryDirectory { folder in
            let database = folder.appendingPathComponent("data/chat.sqlite3")
            let run = try await runSwiftChat(["serve", "--otp-lifetme", "60s"], environment: ["DATABASE_NAME": database.path], folder: folder)
            #expect(run.status == 64, "a usage error (EX_USAGE)")
            let firstLine = run.output.split(separator: "\n").first.map(String.init)
            #expect(firstLine
                == "Error: configuration error: unknown option --otp-lifetme (did you mean --otp-lifetime?); see --help for the list of settings")
            #expect(!FileManager.default.fileExists(atPath: database.deletingLastPathComponent().path))
        }
    }

    @Test("serve refuses upload types a browser would run from our origin, before creating anything",
          arguments: ["text/html", "image/svg+xml"])
    func scriptableUploadTypes(type: String) async throws {
        try await withTemporaryDirectory { folder in
            let database = folder.appendingPathComponent("data/chat.sqlite3")
            let run = try await runSwiftChat(["serve"], environment: [
                "PORT": "0", "DATABASE_NAME": database.path, "SWIFTCHAT_UPLOAD_TYPES": "image/png,\(type),application/pdf",
            ], folder: folder)
            #expect(run.status == 64, "\(run.output)")
            #expect(run.output.split(separator: "\n").first.map(String.init) == "Error: configuration error: SWIFTCHAT_UPLOAD_TYPES "
                + "(--upload-types): \(type) cannot be allowed: browsers would run it from the server's origin")
            #expect(!FileManager.default.fileExists(atPath: database.deletingLastPathComponent().path), "nothing was migrated or seeded")
        }
    }

    @Test("an unknown command gets the command it resembles, or the list of commands", arguments: [
        (["serv"], #"Error: unknown command "serv"; did you mean serve?"#),
        (["migrat", "--port", "9000"], #"Error: unknown command "migrat"; did you mean migrate?"#),
        (["movedata"], #"Error: unknown command "movedata"; did you mean move-data?"#),
        (["deploy"], #"Error: "deploy" is neither a command (serve, migrate, seed, move-data, generate-data) nor a settings flag"#),
    ])
    func unknownCommand(arguments: [String], message: String) async throws {
        try await withTemporaryDirectory { folder in
            let database = folder.appendingPathComponent("data/chat.sqlite3")
            let run = try await runSwiftChat(arguments, environment: ["DATABASE_NAME": database.path], folder: folder)
            #expect(run.status == 64, "\(run.output)")
            #expect(run.output.split(separator: "\n").first.map(String.init) == message)
            #expect(!FileManager.default.fileExists(atPath: database.deletingLastPathComponent().path))
        }
    }

    @Test("--version prints the version")
    func version() async throws {
        try await withTemporaryDirectory { folder in
            let run = try await runSwiftChat(["--version"], environment: [:], folder: folder)
            #expect(run.status == 0)
            #expect(run.output == "\(SwiftChatVersion.current)\n")
        }
    }

    @Test("serve outside dev mode with the log sender warns at start that nobody will receive a code")
    func logSenderOutsideDevMode() async throws {
        try await withTemporaryDirectory { folder in
            let server = try await ServerProcess.start("production", environment: [
                "PROJECT_RUNNING_ENV": "production", "SECRET_KEY": String(repeating: "k", count: 40), "SWIFTCHAT_OTP_SENDER": "log",
            ], folder: folder)
            let output = server.output
            await server.stop()
            #expect(output.contains("warning"), "\(output)")
            #expect(output.contains(
                "SWIFTCHAT_OTP_SENDER=log outside dev mode: codes are neither returned nor logged, so nobody will receive a code"))
        }
    }
}

/// `runSwiftChat`, with the binary started through `prefix` (for example setpriv to drop root).
private func runSwiftChat(
    _ prefix: [String], _ arguments: [String], environment: [String: String], folder: URL
) async throws -> (status: Int32, output: String) {
    guard let launcher = prefix.first else { return try await runSwiftChat(arguments, environment: environment, folder: folder) }
    let executable = try #require(ServerProcess.executable, "the swiftchat binary is not built (swift build)")
    let log = folder.appendingPathComponent("command-\(UUID().uuidString).log")
    // The same environment as launchSwiftChat's: dev mode, cheap bcrypt, no .env file.
    let process = try ChildProcess(launcher, Array(prefix.dropFirst()) + [executable.path] + arguments, environment: [
        "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin", "PROJECT_RUNNING_ENV": "dev", "SWIFTCHAT_BCRYPT_COST": "4",
        "SWIFTCHAT_ENV_FILE": folder.appendingPathComponent("no.env").path,
    ].merging(environment) { $1 }, outputPath: log.path)
    if await !eventually(within: .seconds(120), { !process.isRunning }) {
        Issue.record("swiftchat \(arguments.joined(separator: " ")) did not finish within 120 s")
    }
    let status = await process.stop()
    return (status, (try? String(contentsOf: log, encoding: .utf8)) ?? "")
}
