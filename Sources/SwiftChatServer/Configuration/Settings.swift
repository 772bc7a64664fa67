import Foundation
import Logging
import RedisClient
import SwiftChatCore
import SwiftChatPostgres

/// A setting with a bad value; startup stops with this message, which names the variable.
public struct ConfigurationError: Error, CustomStringConvertible {
    public let description: String

    init(_ name: String, _ problem: String) {
        let flag = SettingsTable.spec(named: name)?.flag
        description = "configuration error: \(name)\(flag.map { " (\($0))" } ?? ""): \(problem)"
    }

    init(message: String) {
        description = "configuration error: \(message)"
    }
}

public enum ServerRole: String, Sendable, CaseIterable {
    case all, web, ws

    var servesHTTP: Bool { self != .ws }
    var servesWebSocket: Bool { self != .web }
}

public enum OTPSenderKind: String, Sendable, CaseIterable {
    case log, webhook, twilio
}

/// The typed configuration, decoded once at start from flags, environment, `.env` and defaults.
public struct Settings: Sendable {
    public var host: String
    public var port: Int
    public var role: ServerRole
    public var devMode: Bool
    /// nil: generate one and keep it beside the database.
    public var secretKey: String?
    public var debug: Bool
    public var allowedHosts: [String]
    public var corsAllowedOrigins: [String]
    public var csrfTrustedOrigins: [String]
    public var databasePath: String
    /// nil: the SQLite file at `databasePath`.
    public var databaseURL: PostgresURL?
    public var databaseConnections: Int
    public var databaseStartupWait: TimeInterval
    public var databaseTimeout: TimeInterval
    /// nil: the in-process broker.
    public var redisEndpoint: RedisEndpoint?
    public var redisChannel: String
    public var adminPhone: PhoneNumber?
    public var adminPassword: String?
    public var seedDemoUsers: Bool
    /// Only with `seedDemoUsers`.
    public var seedDemoContent: Bool
    public var accessTokenLifetime: TimeInterval
    public var refreshTokenLifetime: TimeInterval
    public var bcryptCost: UInt8
    public var otpLifetime: TimeInterval
    public var otpMaxAttempts: Int
    public var otpLength: Int
    public var otpRatePerPhone: Int
    public var otpFreeFailuresPerPhone: Int
    public var otpFailuresPerClient: Int
    public var otpRatePerClient: Int
    public var passwordRatePerClient: Int
    public var otpRateWindow: TimeInterval
    public var otpSender: OTPSenderKind
    public var otpWebhookURL: URL?
    public var otpMessage: String
    public var twilioAccountSID: String?
    public var twilioAuthToken: String?
    public var twilioFromNumber: String?
    public var twilioAPIURL: URL
    public var trustProxy: Bool
    public var trustedProxies: [AddressBlock]
    public var messageRatePerUser: Int
    public var interestRatePerUser: Int
    public var searchMaxTerms: Int
    /// Lists hide the phone numbers and emails of people who are not the caller's contacts.
    public var userPrivacy: Bool
    public var locationCellMeters: Int
    public var locationLifetime: TimeInterval
    public var adminSessionLifetime: TimeInterval
    public var accessLog: Bool
    public var metrics: Bool
    public var searchMaxTermLength: Int
    public var httpHeadTimeout: TimeInterval
    public var httpBodyTimeout: TimeInterval
    public var httpKeepAliveTimeout: TimeInterval
    public var httpMaxHeadSize: Int
    public var webSocketHandshakeTimeout: TimeInterval
    public var webSocketMaxSocketsPerUser: Int
    public var maxMessageLength: Int
    public var groupMaxMembers: Int
    public var messageEditWindow: TimeInterval
    public var presenceTTL: TimeInterval
    public var eventRetention: TimeInterval
    public var eventRetentionCount: Int
    public var eventPruneInterval: TimeInterval
    public var maxBodySize: Int
    public var media: MediaSettings
    public var webSocketPingInterval: TimeInterval
    public var webSocketIdleTimeout: TimeInterval
    public var webSocketQueueLimit: Int
    public var webSocketMaxFrameSize: Int
    public var logLevel: Logger.Level
    public var swaggerUIDirectory: String?
    /// Serve the web client's files from this folder instead of the binary (development).
    public var webAssetsDirectory: String?
    /// Names in the environment or `.env` file that look like settings but are not (typos),
    /// each with the closest setting; the CLI logs them at start.
    public internal(set) var unknownNameWarnings: [String] = []

    /// Decodes settings from the given sources. `flags` are `--name value` / `--name=value`
    /// pairs from the command line.
    public static func load(
        flags: [String] = [], environment: [String: String] = ProcessInfo.processInfo.environment,
        readEnvFile: Bool = true
    ) throws -> Settings {
        let flagValues = try parseFlags(flags)
        var envFilePath = ".env"
        var envFile: [String: String] = [:]
        if readEnvFile {
            // Where `.env` is may itself come from a flag or the environment.
            envFilePath = SettingSources(flags: flagValues, environment: environment, envFile: [:]).value("SWIFTCHAT_ENV_FILE") ?? ".env"
            envFile = try DotEnv.read(path: envFilePath)
        }
        let sources = SettingSources(flags: flagValues, environment: environment, envFile: envFile)
        var settings = try Settings(sources)
        settings.unknownNameWarnings = StartupChecks.unknownNameWarnings(
            environment: environment, envFile: envFile, envFilePath: envFilePath)
        return settings
    }

    init(_ s: SettingSources) throws {
        host = s.value("HOST") ?? "127.0.0.1"
        port = try s.integer("PORT", in: 0...65535)
        role = try s.choice("SWIFTCHAT_ROLE")
        devMode = (s.value("PROJECT_RUNNING_ENV") ?? "dev") == "dev"
        secretKey = s.value("SECRET_KEY").flatMap { $0.isEmpty ? nil : $0 }
        if let key = secretKey, !devMode, key.utf8.count < 32 {
            throw ConfigurationError("SECRET_KEY", "must be at least 32 bytes outside dev mode (got \(key.utf8.count))")
        }
        debug = try s.bool("DEBUG")
        allowedHosts = s.list("ALLOWED_HOSTS", separator: ",")
        corsAllowedOrigins = try s.list("CORS_ALLOWED_ORIGINS", separator: ",").map { try Self.origin($0, name: "CORS_ALLOWED_ORIGINS") }
        csrfTrustedOrigins = try s.list("CSRF_TRUSTED_ORIGINS", separator: " ").map { try Self.origin($0, name: "CSRF_TRUSTED_ORIGINS") }
        databasePath = s.value("DATABASE_NAME") ?? "data/swiftchat.sqlite3"
        if databasePath.isEmpty { throw ConfigurationError("DATABASE_NAME", "must not be empty") }
        do {
            databaseURL = try s.value("DATABASE_URL").flatMap { $0.isEmpty ? nil : try PostgresURL($0) }
        } catch {
            throw ConfigurationError("DATABASE_URL", "\(error)")
        }
        databaseConnections = try s.integer("SWIFTCHAT_DATABASE_CONNECTIONS", in: 1...1000)
        databaseStartupWait = try s.duration("SWIFTCHAT_DATABASE_STARTUP_WAIT", positive: false)
        databaseTimeout = try s.duration("SWIFTCHAT_DATABASE_TIMEOUT", positive: true)
        do {
            redisEndpoint = try s.value("REDIS_URL").flatMap { $0.isEmpty ? nil : try RedisEndpoint(url: $0) }
        } catch {
            throw ConfigurationError("REDIS_URL", "\(error)")
        }
        redisChannel = s.value("SWIFTCHAT_REDIS_CHANNEL") ?? ""
        if redisChannel.isEmpty { throw ConfigurationError("SWIFTCHAT_REDIS_CHANNEL", "must not be empty") }
        if role != .all && redisEndpoint == nil {
            throw ConfigurationError(
                "SWIFTCHAT_ROLE", "--role \(role.rawValue) needs REDIS_URL, so that web and ws processes reach each other's sockets")
        }
        if role != .all && secretKey == nil {
            throw ConfigurationError("SECRET_KEY", "must be set with --role \(role.rawValue): every process of a deployment signs and checks tokens with it")
        }

        let adminPhoneText = s.value("PROJECT_ADMIN_DETAIL") ?? (devMode ? "+911234567891" : nil)
        adminPassword = s.value("PROJECT_ADMIN_DEFAULT_SECRET") ?? (devMode ? "@admin" : nil)
        if let adminPhoneText {
            guard let phone = PhoneNumber(parsing: adminPhoneText) else {
                throw ConfigurationError("PROJECT_ADMIN_DETAIL", "\"\(adminPhoneText)\" is not a valid international phone number")
            }
            adminPhone = phone
        } else {
            adminPhone = nil
        }
        if adminPhone != nil, (adminPassword ?? "").isEmpty {
            throw ConfigurationError("PROJECT_ADMIN_DEFAULT_SECRET", "must be set when PROJECT_ADMIN_DETAIL is")
        }
        if let adminPassword, let problem = PasswordHasher.problem(with: adminPassword) {
            throw ConfigurationError("PROJECT_ADMIN_DEFAULT_SECRET", problem)
        }
        seedDemoUsers = try s.bool("SWIFTCHAT_DEMO_USERS")
        seedDemoContent = s.value("SWIFTCHAT_DEMO_CONTENT") == nil ? devMode : try s.bool("SWIFTCHAT_DEMO_CONTENT")
        accessTokenLifetime = try s.duration("SWIFTCHAT_ACCESS_TOKEN_LIFETIME", positive: true)
        refreshTokenLifetime = try s.duration("SWIFTCHAT_REFRESH_TOKEN_LIFETIME", positive: true)
        bcryptCost = UInt8(try s.integer("SWIFTCHAT_BCRYPT_COST", in: 4...31))
        otpLifetime = try s.duration("SWIFTCHAT_OTP_LIFETIME", positive: true)
        otpMaxAttempts = try s.integer("SWIFTCHAT_OTP_MAX_ATTEMPTS", in: 1...1000)
        otpLength = s.value("SWIFTCHAT_OTP_LENGTH") == nil ? (devMode ? 4 : 6) : try s.integer("SWIFTCHAT_OTP_LENGTH", in: 4...9)
        otpRatePerPhone = try s.integer("SWIFTCHAT_OTP_RATE_PER_PHONE", in: 0...Int(Int32.max))
        otpFreeFailuresPerPhone = try s.integer("SWIFTCHAT_OTP_FREE_FAILURES_PER_PHONE", in: 0...Int(Int32.max))
        otpFailuresPerClient = s.value("SWIFTCHAT_OTP_FAILURES_PER_CLIENT") == nil
            ? (devMode ? 0 : 3) : try s.integer("SWIFTCHAT_OTP_FAILURES_PER_CLIENT", in: 0...Int(Int32.max))
        otpRatePerClient = try s.integer("SWIFTCHAT_OTP_RATE_PER_CLIENT", in: 0...Int(Int32.max))
        passwordRatePerClient = try s.integer("SWIFTCHAT_PASSWORD_RATE_PER_CLIENT", in: 0...Int(Int32.max))
        otpRateWindow = try s.duration("SWIFTCHAT_OTP_RATE_WINDOW", positive: true)
        otpSender = try s.choice("SWIFTCHAT_OTP_SENDER")
        otpWebhookURL = try s.url("SWIFTCHAT_OTP_WEBHOOK_URL")
        otpMessage = s.value("SWIFTCHAT_OTP_MESSAGE") ?? ""
        if !otpMessage.contains("{code}") { throw ConfigurationError("SWIFTCHAT_OTP_MESSAGE", "must contain {code}") }
        twilioAccountSID = s.value("TWILIO_ACCOUNT_SID")
        twilioAuthToken = s.value("TWILIO_AUTH_TOKEN")
        twilioFromNumber = s.value("TWILIO_FROM_NUMBER")
        twilioAPIURL = try s.url("SWIFTCHAT_TWILIO_API_URL")!
        trustProxy = try s.bool("SWIFTCHAT_TRUST_PROXY")
        trustedProxies = try s.list("SWIFTCHAT_TRUSTED_PROXIES", separator: ",").map { text in
            guard let block = AddressBlock(text) else {
                throw ConfigurationError("SWIFTCHAT_TRUSTED_PROXIES", "\"\(text)\" is not an IP address or a CIDR block like 10.0.0.0/8")
            }
            return block
        }
        messageRatePerUser = try s.integer("SWIFTCHAT_MESSAGE_RATE_PER_USER", in: 0...1_000_000_000)
        interestRatePerUser = try s.integer("SWIFTCHAT_INTEREST_RATE_PER_USER", in: 0...1_000_000_000)
        searchMaxTerms = try s.integer("SWIFTCHAT_SEARCH_MAX_TERMS", in: 1...1000)
        userPrivacy = s.value("SWIFTCHAT_USER_PRIVACY") == nil ? !devMode : try s.bool("SWIFTCHAT_USER_PRIVACY")
        locationCellMeters = try s.integer("SWIFTCHAT_LOCATION_CELL_METERS", in: 100...100_000)
        locationLifetime = try s.duration("SWIFTCHAT_LOCATION_LIFETIME", positive: true)
        adminSessionLifetime = try s.duration("SWIFTCHAT_ADMIN_SESSION_LIFETIME", positive: true)
        accessLog = try s.bool("SWIFTCHAT_ACCESS_LOG")
        metrics = try s.bool("SWIFTCHAT_METRICS")
        searchMaxTermLength = try s.integer("SWIFTCHAT_SEARCH_MAX_TERM_LENGTH", in: 1...10_000)
        httpHeadTimeout = try s.duration("SWIFTCHAT_HTTP_HEAD_TIMEOUT", positive: true)
        httpBodyTimeout = try s.duration("SWIFTCHAT_HTTP_BODY_TIMEOUT", positive: true)
        httpKeepAliveTimeout = try s.duration("SWIFTCHAT_HTTP_KEEPALIVE_TIMEOUT", positive: true)
        httpMaxHeadSize = try s.integer("SWIFTCHAT_HTTP_MAX_HEAD_SIZE", in: 1024...(1 << 20))
        webSocketHandshakeTimeout = try s.duration("SWIFTCHAT_WS_HANDSHAKE_TIMEOUT", positive: true)
        webSocketMaxSocketsPerUser = try s.integer("SWIFTCHAT_WS_MAX_SOCKETS_PER_USER", in: 0...1_000_000)
        maxMessageLength = try s.integer("SWIFTCHAT_MAX_MESSAGE_LENGTH", in: 1...10_000_000)
        groupMaxMembers = try s.integer("SWIFTCHAT_GROUP_MAX_MEMBERS", in: 2...100_000)
        messageEditWindow = try s.duration("SWIFTCHAT_MESSAGE_EDIT_WINDOW", positive: false)
        presenceTTL = try s.duration("SWIFTCHAT_PRESENCE_TTL", positive: true)
        eventRetention = try s.duration("SWIFTCHAT_EVENT_RETENTION", positive: true)
        eventRetentionCount = try s.integer("SWIFTCHAT_EVENT_RETENTION_COUNT", in: 1...100_000_000)
        eventPruneInterval = try s.duration("SWIFTCHAT_EVENT_PRUNE_INTERVAL", positive: true)
        maxBodySize = try s.integer("SWIFTCHAT_MAX_BODY_SIZE", in: 1024...(1 << 30))
        media = try MediaSettings(s, databasePath: databasePath)
        webSocketPingInterval = try s.duration("SWIFTCHAT_WS_PING_INTERVAL", positive: false)
        webSocketIdleTimeout = try s.duration("SWIFTCHAT_WS_IDLE_TIMEOUT", positive: false)
        webSocketQueueLimit = try s.integer("SWIFTCHAT_WS_QUEUE_LIMIT", in: 1...1_000_000)
        webSocketMaxFrameSize = try s.integer("SWIFTCHAT_WS_MAX_FRAME_SIZE", in: 128...(16 << 20))
        let level = s.value("SWIFTCHAT_LOG_LEVEL") ?? "info"
        guard let parsedLevel = Logger.Level(rawValue: level) else {
            throw ConfigurationError("SWIFTCHAT_LOG_LEVEL", "\"\(level)\" is not one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        logLevel = debug && parsedLevel > .debug ? .debug : parsedLevel

        webAssetsDirectory = s.value("SWIFTCHAT_WEB_ASSETS_DIR").flatMap { $0.isEmpty ? nil : $0 }
        if let folder = webAssetsDirectory, !FileManager.default.fileExists(atPath: folder + "/index.html") {
            throw ConfigurationError("SWIFTCHAT_WEB_ASSETS_DIR", "\(folder) holds no index.html (point it at Sources/SwiftChatWeb/Assets)")
        }
        swaggerUIDirectory = s.value("SWIFTCHAT_SWAGGER_UI_DIR").flatMap { $0.isEmpty ? nil : $0 }
        if let folder = swaggerUIDirectory, !FileManager.default.fileExists(atPath: folder + "/swagger-ui-bundle.js") {
            throw ConfigurationError("SWIFTCHAT_SWAGGER_UI_DIR", "\(folder) holds no swagger-ui-bundle.js (point it at a swagger-ui-dist folder)")
        }

        if !devMode { try checkSender() }
    }

    /// Outside dev mode, the configured sender must have what it needs.
    private func checkSender() throws {
        switch otpSender {
        case .log: break
        case .webhook:
            if otpWebhookURL == nil { throw ConfigurationError("SWIFTCHAT_OTP_WEBHOOK_URL", "must be set when SWIFTCHAT_OTP_SENDER=webhook") }
        case .twilio:
            for (name, value) in [("TWILIO_ACCOUNT_SID", twilioAccountSID), ("TWILIO_AUTH_TOKEN", twilioAuthToken), ("TWILIO_FROM_NUMBER", twilioFromNumber)]
            where (value ?? "").isEmpty {
                throw ConfigurationError(name, "must be set when SWIFTCHAT_OTP_SENDER=twilio")
            }
        }
    }

    private static func origin(_ text: String, name: String) throws -> String {
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
            throw ConfigurationError(name, "\"\(text)\" is not an origin like https://example.com")
        }
        return text.hasSuffix("/") ? String(text.dropLast()) : text
    }

    static func parseFlags(_ arguments: [String]) throws -> [String: String] {
        var values: [String: String] = [:]
        var index = arguments.startIndex
        while index < arguments.endIndex {
            let argument = arguments[index]
            var flag = argument
            var value: String?
            if let equals = argument.firstIndex(of: "=") {
                flag = String(argument[..<equals])
                value = String(argument[argument.index(after: equals)...])
            }
            guard let spec = SettingsTable.all.first(where: { $0.flag == flag }) else {
                let suggestion = NameSuggestions.closest(to: flag, among: SettingsTable.all.map(\.flag))
                throw ConfigurationError(
                    message: "unknown option \(flag)" + (suggestion.map { " (did you mean \($0)?)" } ?? "") + "; see --help for the list of settings")
            }
            if value == nil {
                index += 1
                guard index < arguments.endIndex else { throw ConfigurationError(spec.name, "the flag \(flag) needs a value") }
                value = arguments[index]
            }
            values[spec.name] = value
            index += 1
        }
        return values
    }
}
