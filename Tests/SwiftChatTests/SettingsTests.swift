import Foundation
import Testing
import RedisClient
import SwiftChatPostgres
@testable import SwiftChatServer

/// Settings: precedence, validation with clear messages, and the help text.
@Suite("Settings")
struct SettingsTests {
    /// Loads settings with `PORT` given by any of the four sources, and a real `.env` file.
    @Test("precedence is flag > environment > .env file > default", arguments: [
        ("9001", "9002", "9003", 9001),
        (nil, "9002", "9003", 9002),
        (nil, nil, "9003", 9003),
        (nil, nil, nil, 8000),
    ] as [(String?, String?, String?, Int)])
    func precedence(flag: String?, environment: String?, file: String?, expected: Int) async throws {
        try await withTemporaryDirectory { folder in
            let envFile = folder.appendingPathComponent("test.env")
            let content = file.map { "# a comment\nPORT=\($0)\n" } ?? "# no PORT here\n"
            try content.write(to: envFile, atomically: true, encoding: .utf8)
            var variables = ["SWIFTCHAT_ENV_FILE": envFile.path]
            variables["PORT"] = environment
            let settings = try Settings.load(flags: flag.map { ["--port", $0] } ?? [], environment: variables, readEnvFile: true)
            #expect(settings.port == expected)
        }
    }

    @Test("flags take --name value and --name=value")
    func flagForms() throws {
        let settings = try Settings.load(
            flags: ["--otp-max-attempts=7", "--secret-key", "from-a-flag", "--cors-allowed-origins", "http://localhost:5003"],
            environment: ["SWIFTCHAT_OTP_MAX_ATTEMPTS": "3"], readEnvFile: false)
        #expect(settings.otpMaxAttempts == 7)
        #expect(settings.secretKey == "from-a-flag")
        #expect(settings.corsAllowedOrigins == ["http://localhost:5003"])
    }

    @Test("the .env reader handles export, quotes and trailing comments")
    func dotEnvSyntax() async throws {
        try await withTemporaryDirectory { folder in
            let envFile = folder.appendingPathComponent(".env")
            try """
                # SwiftChat
                export HOST=0.0.0.0
                SWIFTCHAT_OTP_MESSAGE="Your code: {code}"
                PROJECT_ADMIN_DEFAULT_SECRET='s3cret # kept'
                CORS_ALLOWED_ORIGINS=http://localhost:5003, http://localhost:5000 # two origins

                """.write(to: envFile, atomically: true, encoding: .utf8)
            let settings = try Settings.load(environment: ["SWIFTCHAT_ENV_FILE": envFile.path], readEnvFile: true)
            #expect(settings.host == "0.0.0.0")
            #expect(settings.otpMessage == "Your code: {code}")
            #expect(settings.adminPassword == "s3cret # kept")
            #expect(settings.corsAllowedOrigins == ["http://localhost:5003", "http://localhost:5000"])
        }
    }

    @Test("defaults follow the original: dev mode, 20 d / 600 d tokens, 2-minute codes, dev admin")
    func defaults() throws {
        let settings = try Settings.load(environment: [:], readEnvFile: false)
        #expect(settings.devMode)
        #expect(settings.port == 8000)
        #expect(settings.secretKey == nil)
        #expect(settings.accessTokenLifetime == 20 * 86400)
        #expect(settings.refreshTokenLifetime == 600 * 86400)
        #expect(settings.otpLifetime == 120)
        #expect(settings.otpMaxAttempts == 5)
        #expect(settings.otpSender == .log)
        #expect(settings.adminPhone?.e164 == "+911234567891")
        #expect(settings.adminPassword == "@admin")
    }

    @Test("outside dev mode there is no default admin and a long key is accepted")
    func productionMode() throws {
        let settings = try Settings.load(
            environment: ["PROJECT_RUNNING_ENV": "prod", "SECRET_KEY": String(repeating: "k", count: 32)], readEnvFile: false)
        #expect(!settings.devMode)
        #expect(settings.adminPhone == nil)
        #expect(settings.adminPassword == nil)
    }

    @Test("a short SECRET_KEY is fine in dev mode")
    func shortKeyInDev() throws {
        #expect(try Settings.load(environment: ["SECRET_KEY": "short"], readEnvFile: false).secretKey == "short")
    }

    static let strongKey = String(repeating: "k", count: 40)

    @Test("a bad value stops startup with a message naming the variable and its flag", arguments: [
        (["PORT": "abc"], "PORT", "--port"),
        (["PORT": "70000"], "PORT", "--port"),
        (["SWIFTCHAT_OTP_MAX_ATTEMPTS": "0"], "SWIFTCHAT_OTP_MAX_ATTEMPTS", "--otp-max-attempts"),
        (["SWIFTCHAT_OTP_SENDER": "carrier-pigeon"], "SWIFTCHAT_OTP_SENDER", "--otp-sender"),
        (["PROJECT_RUNNING_ENV": "prod", "SECRET_KEY": "too-short"], "SECRET_KEY", "--secret-key"),
        (["SWIFTCHAT_ACCESS_TOKEN_LIFETIME": "forever"], "SWIFTCHAT_ACCESS_TOKEN_LIFETIME", "--access-token-lifetime"),
        (["SWIFTCHAT_OTP_LIFETIME": "0s"], "SWIFTCHAT_OTP_LIFETIME", "--otp-lifetime"),
        (["DEBUG": "maybe"], "DEBUG", "--debug"),
        (["CORS_ALLOWED_ORIGINS": "localhost:5003"], "CORS_ALLOWED_ORIGINS", "--cors-allowed-origins"),
        (["PROJECT_ADMIN_DETAIL": "+91720977989"], "PROJECT_ADMIN_DETAIL", "--project-admin-detail"),
        (["SWIFTCHAT_OTP_MESSAGE": "no placeholder"], "SWIFTCHAT_OTP_MESSAGE", "--otp-message"),
        (["SWIFTCHAT_LOG_LEVEL": "loud"], "SWIFTCHAT_LOG_LEVEL", "--log-level"),
        (["SWIFTCHAT_UPLOAD_TYPES": "image/png,text/html"], "SWIFTCHAT_UPLOAD_TYPES", "--upload-types"),
        (["SWIFTCHAT_UPLOAD_TYPES": "image/png, Image/SVG+XML"], "SWIFTCHAT_UPLOAD_TYPES", "--upload-types"),
        (["PROJECT_RUNNING_ENV": "prod", "SECRET_KEY": SettingsTests.strongKey, "SWIFTCHAT_OTP_SENDER": "webhook"],
         "SWIFTCHAT_OTP_WEBHOOK_URL", "--otp-webhook-url"),
        (["PROJECT_RUNNING_ENV": "prod", "SECRET_KEY": SettingsTests.strongKey, "SWIFTCHAT_OTP_SENDER": "twilio"],
         "TWILIO_ACCOUNT_SID", "--twilio-account-sid"),
    ] as [([String: String], String, String)])
    func badValue(environment: [String: String], variable: String, flag: String) throws {
        let error = #expect(throws: ConfigurationError.self) {
            try Settings.load(environment: environment, readEnvFile: false)
        }
        #expect(error?.description.contains(variable) == true, "\(error?.description ?? "no error")")
        #expect(error?.description.contains(flag) == true, "\(error?.description ?? "no error")")
    }

    @Test("SWIFTCHAT_UPLOAD_TYPES narrows the accepted types, read in lower case; the default never lists a type browsers run")
    func uploadTypes() throws {
        let narrowed = try Settings.load(environment: ["SWIFTCHAT_UPLOAD_TYPES": " image/PNG, image/jpeg ,"], readEnvFile: false)
        #expect(narrowed.media.allowedTypes == ["image/png", "image/jpeg"])
        let defaults = try Settings.load(environment: [:], readEnvFile: false).media.allowedTypes
        #expect(defaults.contains("application/pdf") && defaults.contains("image/png"))
        #expect(defaults.isDisjoint(with: ["text/html", "image/svg+xml", "application/xml", "application/xhtml+xml"]))
    }

    @Test("the S3 settings are read: region, path style (on by default), endpoint from the region when none is given, keys required")
    func s3Settings() throws {
        let keys = ["SWIFTCHAT_S3_BUCKET": "media", "SWIFTCHAT_S3_ACCESS_KEY_ID": "AKIA", "SWIFTCHAT_S3_SECRET_ACCESS_KEY": "secret"]
        let aws = try #require(try Settings.load(
            environment: keys.merging(["SWIFTCHAT_S3_REGION": "eu-west-3", "SWIFTCHAT_S3_PATH_STYLE": "false"]) { $1 }, readEnvFile: false).media.s3)
        #expect(aws.region == "eu-west-3" && aws.endpoint.absoluteString == "https://s3.eu-west-3.amazonaws.com" && !aws.pathStyle)
        #expect(aws.origin == "https://media.s3.eu-west-3.amazonaws.com", "virtual-hosted: the bucket in the host")
        let local = try #require(try Settings.load(
            environment: keys.merging(["SWIFTCHAT_S3_ENDPOINT": "http://127.0.0.1:9000"]) { $1 }, readEnvFile: false).media.s3)
        #expect(local.region == "us-east-1" && local.pathStyle && local.origin == "http://127.0.0.1:9000")
        #expect(try Settings.load(environment: [:], readEnvFile: false).media.s3 == nil, "no bucket: local disk")
        #expect(throws: ConfigurationError.self) { try Settings.load(environment: ["SWIFTCHAT_S3_BUCKET": "media"], readEnvFile: false) }
        #expect(throws: ConfigurationError.self) {
            try Settings.load(environment: keys.merging(["SWIFTCHAT_S3_ENDPOINT": "ftp://example.org"]) { $1 }, readEnvFile: false)
        }
    }

    @Test("a bad flag value names the variable too; an unknown flag is refused")
    func badFlags() throws {
        let bad = #expect(throws: ConfigurationError.self) {
            try Settings.load(flags: ["--port", "abc"], environment: [:], readEnvFile: false)
        }
        #expect(bad?.description.contains("PORT") == true)
        let unknown = #expect(throws: ConfigurationError.self) {
            try Settings.load(flags: ["--no-such-setting", "1"], environment: [:], readEnvFile: false)
        }
        #expect(unknown?.description.contains("--no-such-setting") == true)
        let missingValue = #expect(throws: ConfigurationError.self) {
            try Settings.load(flags: ["--port"], environment: [:], readEnvFile: false)
        }
        #expect(missingValue?.description.contains("PORT") == true)
    }

    @Test("the help text lists every setting with its flag", arguments: SettingsTable.all.map(\.name))
    func helpListsEverySetting(name: String) throws {
        let spec = try #require(SettingsTable.spec(named: name))
        let line = SettingsHelp.text.split(separator: "\n").first { $0.contains("[\(name),") }
        #expect(line?.contains(spec.flag) == true, "no help line for \(name)")
        #expect(SettingsHelp.text.contains(spec.help))
    }

    @Test("flags are derived from the variable names")
    func flagNames() {
        #expect(SettingsTable.spec(named: "SWIFTCHAT_OTP_MAX_ATTEMPTS")?.flag == "--otp-max-attempts")
        #expect(SettingsTable.spec(named: "SECRET_KEY")?.flag == "--secret-key")
        #expect(Set(SettingsTable.all.map(\.flag)).count == SettingsTable.all.count)
    }
}

/// `DATABASE_URL` and `REDIS_URL`: the libpq and redis URL forms, and clear refusals.
@Suite struct BackendSettingsTests {
    @Test func aPostgresURLIsReadLikeLibpqReadsIt() throws {
        let url = try PostgresURL("postgresql://chat%40app:p%2Fss@db.internal:6543/chat?sslmode=require&options=-c%20search_path%3Dtenant%20-cstatement_timeout%3D5s")
        #expect(url.username == "chat@app")
        #expect(url.password == "p/ss")
        #expect(url.host == "db.internal")
        #expect(url.port == 6543)
        #expect(url.database == "chat")
        #expect(url.sslMode == .require)
        #expect(url.settings.map { "\($0.0)=\($0.1)" } == ["search_path=tenant", "statement_timeout=5s"])
        #expect(!url.description.contains("p/ss") && !url.description.contains("p%2Fss"), "logs never show the password")
        #expect(try PostgresURL("postgres://u:p%2541@h/db").password == "p%41", "decoded once")
        #expect(try PostgresURL("postgres://u@h/db?sslmode=verify-full").sslMode == .verifyFull)
        let plain = try PostgresURL("postgres://chat@localhost/chat")
        #expect(plain.port == 5432 && plain.sslMode == .prefer && plain.password == nil)
    }

    @Test(arguments: [
        ("mysql://u@h/db", "scheme"), ("postgres://h/db", "user name"), ("postgres://u@h", "database name"),
        ("postgres://u@h/db?sslmode=maybe", "sslmode"), ("postgres://u@h/db?timeout=5", "unknown parameter timeout"),
        ("postgres://u@h/db?options=search_path", "-c name=value"),
    ])
    func aBadDatabaseURLStopsStartupNamingTheSetting(url: String, problem: String) throws {
        #expect {
            try Settings.load(environment: ["DATABASE_URL": url], readEnvFile: false)
        } throws: { error in
            "\(error)".contains("DATABASE_URL") && "\(error)".contains(problem)
        }
    }

    @Test func aBadRedisURLStopsStartupNamingTheSetting() throws {
        #expect {
            try Settings.load(environment: ["REDIS_URL": "rediss://cache:6380"], readEnvFile: false)
        } throws: { error in
            "\(error)".contains("REDIS_URL") && "\(error)".contains("TLS")
        }
        let settings = try Settings.load(environment: ["REDIS_URL": "redis://:secret@cache:6380/2"], readEnvFile: false)
        #expect(settings.redisEndpoint == RedisEndpoint(host: "cache", port: 6380, password: "secret", database: 2))
        #expect(settings.databaseURL == nil, "unset, the SQLite file is used")
    }
}
