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
        subcommands: [Serve.self, Migrate.self, Seed.self, MoveData.self, GenerateData.self],
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

                Attachments' rows move with the rest. Their files stay in SWIFTCHAT_MEDIA_DIR unless --copy-media is \
                given: then every attachment's file and thumbnail is first copied from that folder into the S3 bucket \
                the SWIFTCHAT_S3_* settings name, each checked by size (files already there at the same size are kept, \
                so the copy can run again after a failure). The folder is only read.
                """)
    }

    @Option(name: .customLong("to"), help: ArgumentHelp("The PostgreSQL URL to copy into.", valueName: "postgres-url"))
    var target: String

    @Flag(name: .customLong("copy-media"), help: "Also copy the attachments' files from SWIFTCHAT_MEDIA_DIR into the SWIFTCHAT_S3_BUCKET bucket.")
    var copyMedia = false

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
            let mover = DataMover(from: source, to: destination)
            if copyMedia { try await copyMediaFirst(settings, mover: mover, source: source, logger: logger) }
            let counts = try await mover.move()
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

struct GenerateData: AsyncParsableCommand {
    static var configuration: CommandConfiguration {
        CommandConfiguration(
            commandName: "generate-data",
            abstract: "Fill an empty database with made-up users, groups, messages and shared locations, for the bench's search scenario.",
            discussion: """
                Users are +919700000000, +919700000001, …; groups of --group-size consecutive users; message text is \
                drawn from a word list by Zipf's law; most users share a location around one of five cities. The same \
                sizes always give the same rows. Refuses a database that holds rows.
                """)
    }

    @Option(help: "Users to create.") var users = 100_000
    @Option(help: "Messages to create, spread evenly over the groups.") var messages = 1_000_000
    @Option(help: "Members per group.") var groupSize = 10

    @OptionGroup var options: SettingsOptions

    func validate() throws {
        guard (2...1_000).contains(groupSize), users >= groupSize, users <= 10_000_000, (0...100_000_000).contains(messages) else {
            throw ValidationError("--users from --group-size to 10,000,000; --group-size from 2 to 1,000; --messages up to 100,000,000")
        }
    }

    func run() async throws {
        let settings = try options.load()
        try StartupChecks.checkDatabaseFolder(settings)
        let store = try await openStore(settings, logger: makeLogger(settings))
        do {
            guard try await store.tableCounts().isEmpty else {
                throw ValidationError("the database already holds rows; generate-data fills an empty one only")
            }
            let started = Date()
            try await SyntheticInstall(users: users, messages: messages, groupSize: groupSize, at: started).generate(into: store) { line in
                FileHandle.standardError.write(Data("\(line) (\(Int(Date().timeIntervalSince(started))) s)\n".utf8))
            }
            print("generated \(try await store.tableCounts()) in \(Int(Date().timeIntervalSince(started))) s")
        } catch {
            await store.close()
            throw error
        }
        await store.close()
    }
}

extension MoveData {
    /// Blobs before rows: if a copy fails, nothing has moved and the command can run again.
    func copyMediaFirst(_ settings: Settings, mover: DataMover, source: any ChatStore, logger: Logger) async throws {
        guard let bucket = settings.media.s3?.bucket else {
            throw ValidationError("--copy-media needs SWIFTCHAT_S3_BUCKET (and the other SWIFTCHAT_S3_* settings) naming where the files go")
        }
        guard FileManager.default.fileExists(atPath: settings.media.directory) else {
            throw ValidationError("--copy-media: no media folder at \(settings.media.directory); set SWIFTCHAT_MEDIA_DIR to the install's")
        }
        try await mover.requireEmptyTarget()
        let summary = try await copyMediaFolderToBucket(settings, store: source, logger: logger) { running in
            FileHandle.standardError.write(Data("media: \(running)\n".utf8))
        }
        print("media copied from \(settings.media.directory) to the bucket \(bucket): \(summary)")
        if !summary.missing.isEmpty {
            print("attachments whose files were already missing: \(summary.missing.prefix(20).joined(separator: ", "))")
        }
    }
}

/// Every socket holds a file descriptor: take the most the system allows this process.
func raiseOpenFileLimit() {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
    limit.rlim_cur = limit.rlim_max
    setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}
