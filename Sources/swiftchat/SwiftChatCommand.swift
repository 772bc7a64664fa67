import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SwiftChatCore
import SwiftChatServer

@main
struct SwiftChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftchat",
        abstract: "A chat backend in one binary: OTP login, JWT, interests, chat messages and a notification WebSocket.",
        subcommands: [Serve.self, Migrate.self, Seed.self],
        defaultSubcommand: Serve.self)
}

/// Every subcommand takes the same settings flags (see `swiftchat serve --help`).
struct SettingsOptions: ParsableArguments {
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("Settings flags such as --port 8000 (listed below).", valueName: "settings"))
    var flags: [String] = []

    func load() throws -> Settings {
        do {
            return try Settings.load(flags: flags)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
    }
}

func makeLogger(_ settings: Settings) -> Logger {
    var logger = Logger(label: "swiftchat")
    logger.logLevel = settings.logLevel
    return logger
}

struct Serve: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(abstract: "Migrate, seed, and serve HTTP and WebSocket until SIGINT or SIGTERM.", discussion: SettingsHelp.text)
    }

    @OptionGroup var options: SettingsOptions

    func run() async throws {
        let settings = try options.load()
        let logger = makeLogger(settings)
        raiseOpenFileLimit()
        do {
            let (app, _) = try await buildApplication(settings: settings, logger: logger)
            // Application.runService installs the SIGINT / SIGTERM handlers and shuts down gracefully.
            try await app.runService()
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(abstract: "Create or upgrade the database schema, then exit.", discussion: SettingsHelp.text)
    }

    @OptionGroup var options: SettingsOptions

    func run() async throws {
        let settings = try options.load()
        _ = try await openStore(settings)
        print("database migrated: \(settings.databasePath)")
    }
}

struct Seed: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(abstract: "Create the admin and the demo users if missing (also done at every start), then exit.", discussion: SettingsHelp.text)
    }

    @OptionGroup var options: SettingsOptions

    func run() async throws {
        let settings = try options.load()
        let outcome = try await seedAccounts(
            store: try await openStore(settings), settings: settings, passwords: PasswordHasher(cost: settings.bcryptCost),
            logger: makeLogger(settings))
        print("admin created: \(outcome.adminCreated), demo users created: \(outcome.demoUsersCreated)")
    }
}

/// Every socket holds a file descriptor: take the most the system allows this process.
func raiseOpenFileLimit() {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
    limit.rlim_cur = limit.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}
