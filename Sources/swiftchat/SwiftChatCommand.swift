import ArgumentParser
import Foundation
import Hummingbird
import Logging
import SwiftChatCore
import SwiftChatPostgres
import SwiftChatServer

@main
struct SwiftChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swiftchat",
        abstract: "A chat backend in one binary: OTP login, JWT, interests, chat messages and a notification WebSocket.",
        version: SwiftChatVersion.current,
        subcommands: [Serve.self, Migrate.self, Seed.self, MoveData.self],
        defaultSubcommand: Serve.self)

    static var commandNames: [String] { configuration.subcommands.compactMap { $0.configuration.commandName } }
}

/// Every subcommand takes the same settings flags (see `swiftchat serve --help`).
struct SettingsOptions: ParsableArguments {
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp("Settings flags such as --port 8000 (listed below).", valueName: "settings"))
    var flags: [String] = []

    /// The settings, after logging the names that look like misspelled settings.
    func load() throws -> Settings {
        // A word where a flag belongs: a mistyped command, passed on to the default one (serve).
        if let word = flags.first, !word.hasPrefix("-") {
            let commands = SwiftChatCommand.commandNames
            if let suggestion = NameSuggestions.closest(to: word, among: commands) {
                throw ValidationError("unknown command \"\(word)\"; did you mean \(suggestion)?")
            }
            throw ValidationError("\"\(word)\" is neither a command (\(commands.joined(separator: ", "))) nor a settings flag")
        }
        let settings: Settings
        do {
            settings = try Settings.load(flags: flags)
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        }
        let logger = makeLogger(settings)
        for warning in settings.unknownNameWarnings {
            logger.warning("\(warning)")
        }
        return settings
    }
}

func makeLogger(_ settings: Settings) -> Logger {
    var logger = Logger(label: "swiftchat")
    logger.logLevel = settings.logLevel
    return logger
}

struct Serve: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "serve", abstract: "Migrate, seed, and serve HTTP and WebSocket until SIGINT or SIGTERM.", discussion: SettingsHelp.text)
    }

    @OptionGroup var options: SettingsOptions

    func run() async throws {
        let settings = try options.load()
        let logger = makeLogger(settings)
        for warning in StartupChecks.serveWarnings(settings) {
            logger.warning("\(warning)")
        }
        // Before migrating and seeding, so that a second server on the same port changes nothing.
        try await StartupChecks.checkAddressIsFree(settings)
        try StartupChecks.checkDatabaseFolder(settings)
        raiseOpenFileLimit()
        do {
            let (app, runtime) = try await buildApplication(settings: settings, logger: logger)
            // Application.runService installs the SIGINT / SIGTERM handlers and shuts down gracefully.
            try await app.runService()
            await runtime.shutdown()
        } catch let error as ConfigurationError {
            throw ValidationError(error.description)
        } catch {
            // The port was free at the check but taken before the server bound it.
            throw StartupChecks.bindFailure(error, settings: settings) ?? error
        }
    }
}

struct Migrate: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: "migrate", abstract: "Create or upgrade the database schema, then exit.", discussion: SettingsHelp.text)
    }

    @OptionGroup var options: SettingsOptions

    func run() async throws {
        let settings = try options.load()
        try StartupChecks.checkDatabaseFolder(settings)
        let store = try await openStore(settings, logger: makeLogger(settings))
        await store.close()
        print("database migrated: \(settings.databaseURL.map(String.init(describing:)) ?? settings.databasePath)")
    }
}

struct Seed: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "seed", abstract: "Create the admin and the demo users if missing, and the demo content once (also done at every start), then exit.",
            discussion: SettingsHelp.text)
    }

    @OptionGroup var options: SettingsOptions

    func run() async throws {
        let settings = try options.load()
        try StartupChecks.checkDatabaseFolder(settings)
        let outcome = try await prepareDatabase(settings, passwords: PasswordHasher(cost: settings.bcryptCost), logger: makeLogger(settings))
        print("admin created: \(outcome.adminCreated), demo users created: \(outcome.demoUsersCreated), demo content created: \(outcome.demoContentCreated)")
    }
}

struct MoveData: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "move-data",
            abstract: "Copy a single-binary install's SQLite database (DATABASE_NAME) into an empty PostgreSQL database, then check the copy.",
            discussion: """
                Stop the server first. The target is migrated, must hold no rows, and receives every user, interest, \
                chat message and pending OTP code with its id; the copy is then compared with the source row by row. \
                The SQLite file must exist and hold data; it is only read (after bringing its schema up to date). \
                Afterwards start the server with DATABASE_URL set to the target.
                """)
    }

    @Option(name: .customLong("to"), help: ArgumentHelp("The PostgreSQL URL to copy into.", valueName: "postgres-url"))
    var target: String

    @OptionGroup var options: SettingsOptions

    func run() async throws {
        var settings = try options.load()
        let logger = makeLogger(settings)
        let url: PostgresURL
        do {
            url = try PostgresURL(target)
        } catch {
            throw ValidationError("--to: \(error)")
        }
        guard FileManager.default.fileExists(atPath: settings.databasePath) else {
            throw ValidationError("no SQLite database at \(settings.databasePath); set DATABASE_NAME (or --database-name) to the install's file")
        }
        settings.databaseURL = nil
        try StartupChecks.checkDatabaseFolder(settings)
        let source = try await openStore(settings, logger: logger)
        if try await source.tableCounts().isEmpty {
            await source.close()
            throw ValidationError("the SQLite database at \(settings.databasePath) holds no rows; nothing to move")
        }
        settings.databaseURL = url
        let destination = try await openStore(settings, logger: logger)
        do {
            let counts = try await DataMover(from: source, to: destination).move()
            print("moved \(counts) from \(settings.databasePath) to \(url); the copy matches the source")
        } catch {
            await destination.close()
            await source.close()
            throw error
        }
        await destination.close()
        await source.close()
    }
}

/// Every socket holds a file descriptor: take the most the system allows this process.
func raiseOpenFileLimit() {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
    limit.rlim_cur = limit.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}
