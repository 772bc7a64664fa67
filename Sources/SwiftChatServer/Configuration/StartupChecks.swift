import Foundation
import NIOCore
import NIOPosix

/// What the CLI checks before it touches the database, so that a taken port or an unusable data
/// folder is reported in one line naming the setting, instead of failing after migrating and
/// seeding (or with a file system error that names no setting).
public enum StartupChecks {
    /// Binds the configured address the way the server will (same resolution, SO_REUSEADDR)
    /// and lets it go again. Another process could still take the port before the server binds
    /// it; `bindFailure` words that failure the same way.
    public static func checkAddressIsFree(_ settings: Settings) async throws {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
        let channel: any Channel
        do {
            channel = try await bootstrap.bind(host: settings.host, port: settings.port).get()
        } catch {
            throw bindFailure(error, settings: settings)
                ?? StartupError("cannot listen on port \(settings.port) on \(settings.host): \(error) (HOST / --host, PORT / --port)")
        }
        try? await channel.close().get()
    }

    /// The one-line explanation of an error that only a failure to bind `HOST:PORT` raises,
    /// or nil for other errors.
    public static func bindFailure(_ error: any Error, settings: Settings) -> StartupError? {
        let endpoint = "port \(settings.port) on \(settings.host)"
        if let error = error as? IOError {
            switch error.errnoCode {
            case EADDRINUSE: return StartupError("\(endpoint) is already in use (PORT / --port)")
            case EACCES: return StartupError("\(endpoint) needs privileges this process does not have (PORT / --port)")
            case EADDRNOTAVAIL: return StartupError("\(settings.host) is not an address of this machine (HOST / --host)")
            default: return nil
            }
        }
        if error is SocketAddressError.UnknownHost || error is SocketAddressError {
            return StartupError("\(settings.host) does not resolve to an address to listen on (HOST / --host)")
        }
        return nil
    }

    /// Without `DATABASE_URL`: the SQLite file's folder exists and can be written (SQLite keeps
    /// its journal files and the generated secret key there), or can be created. Creates
    /// nothing, so that the store creates the folder with its own permissions.
    public static func checkDatabaseFolder(_ settings: Settings) throws {
        guard settings.databaseURL == nil else { return }
        let path = settings.databasePath
        let setting = "DATABASE_NAME (--database-name) is \(path)"
        let file = URL(fileURLWithPath: path)
        let files = FileManager.default
        var isFolder: ObjCBool = false
        if files.fileExists(atPath: file.path, isDirectory: &isFolder) {
            if isFolder.boolValue { throw StartupError("\(setting), which is a folder, not a database file") }
            guard access(file.path, R_OK | W_OK) == 0 else {
                throw StartupError("\(setting), which this process cannot read and write")
            }
        }
        // The folder, or the nearest existing one above it, from which the store would create it.
        let folder = file.deletingLastPathComponent()
        var existing = folder
        var levelsLeft = folder.pathComponents.count
        while !files.fileExists(atPath: existing.path, isDirectory: &isFolder), levelsLeft > 0 {
            existing = existing.deletingLastPathComponent()
            levelsLeft -= 1
        }
        guard isFolder.boolValue else {
            throw StartupError("\(setting), but \(existing.path) is a file, not a folder")
        }
        guard access(existing.path, W_OK | X_OK) == 0 else {
            if existing.standardizedFileURL == folder.standardizedFileURL {
                throw StartupError("\(setting), but the folder \(existing.path) is not writable by this process")
            }
            throw StartupError("\(setting), but its folder cannot be created: \(existing.path) is not writable by this process")
        }
    }

    /// Warnings for `serve` about a configuration that starts but does not work as one expects.
    public static func serveWarnings(_ settings: Settings) -> [String] {
        var warnings: [String] = []
        if !settings.devMode && settings.otpSender == .log {
            warnings.append(
                "SWIFTCHAT_OTP_SENDER=log outside dev mode: codes are neither returned nor logged, so nobody will receive a code; "
                    + "set SWIFTCHAT_OTP_SENDER (--otp-sender) to webhook or twilio")
        }
        return warnings
    }

    /// Environment and `.env` names that look like settings of this server (`SWIFTCHAT_`
    /// prefix) but are not in the table, with the closest setting. Other names are left alone:
    /// the environment holds many that belong to other programs.
    static func unknownNameWarnings(environment: [String: String], envFile: [String: String], envFilePath: String) -> [String] {
        let prefix = "SWIFTCHAT_"
        let known = Set(SettingsTable.all.map(\.name))
        let candidates = SettingsTable.all.map(\.name)
        var warnings: [String] = []
        for (names, place) in [(environment.keys, "the environment"), (envFile.keys, envFilePath)] {
            for name in names.sorted()
            where name.hasPrefix(prefix) && !known.contains(name) && !reservedPrefixes.contains(where: name.hasPrefix) {
                // Compared without the prefix, so that SWIFTCHAT_PORT suggests PORT.
                let suggestion = NameSuggestions.closest(to: name, among: candidates) { name in
                    name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : name
                }
                warnings.append(
                    "\(name) (in \(place)) is not a setting and is ignored" + (suggestion.map { "; did you mean \($0)?" } ?? ""))
            }
        }
        return warnings
    }

    /// Variables read by the test suite and CI, not by the server.
    static let reservedPrefixes = ["SWIFTCHAT_TEST_", "SWIFTCHAT_REQUIRE_"]
}
