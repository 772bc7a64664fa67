import Foundation
import PostgresNIO

/// `DATABASE_URL` in the libpq form: `postgres://user:password@host:port/database?sslmode=…&options=…`.
/// Of the query parameters, `sslmode` (disable, prefer, require) and `options` (`-c name=value`
/// run-time settings, e.g. `-c search_path=chat`) are understood; any other is refused, so a
/// typo is not silently ignored.
public struct PostgresURL: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    /// Run-time settings sent at connection start.
    public var settings: [(String, String)]

    public enum SSLMode: String, Sendable {
        case disable, prefer, require
    }

    public struct Invalid: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    public init(_ text: String) throws {
        guard let components = URLComponents(string: text), let scheme = components.scheme else {
            throw Invalid(reason: "not a URL; expected postgres://user:password@host:5432/database")
        }
        guard scheme == "postgres" || scheme == "postgresql" else {
            throw Invalid(reason: "the scheme must be postgres:// or postgresql://, not \(scheme)://")
        }
        guard let host = components.host, !host.isEmpty else { throw Invalid(reason: "the host is missing") }
        guard let user = components.user, !user.isEmpty else { throw Invalid(reason: "the user name is missing") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw Invalid(reason: "the database name is missing (postgres://user@host/database)")
        }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        self.port = components.port ?? 5432
        self.username = user.removingPercentEncoding ?? user
        self.password = components.password.map { $0.removingPercentEncoding ?? $0 }
        self.database = database.removingPercentEncoding ?? database
        self.sslMode = .prefer
        self.settings = []
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    throw Invalid(reason: "sslmode must be disable, prefer or require, not \(value)")
                }
                sslMode = mode
            case "options":
                settings += try Self.runTimeSettings(value)
            default:
                throw Invalid(reason: "unknown parameter \(item.name); only sslmode and options are understood")
            }
        }
    }

    /// `-c a=b -c c=d` or `-ca=b` → [(a, b), (c, d)].
    static func runTimeSettings(_ options: String) throws -> [(String, String)] {
        var words = options.split(separator: " ").map(String.init)[...]
        var settings: [(String, String)] = []
        while let word = words.popFirst() {
            let assignment: String
            if word == "-c", let next = words.popFirst() {
                assignment = next
            } else if word.hasPrefix("-c"), word.count > 2 {
                assignment = String(word.dropFirst(2))
            } else {
                throw Invalid(reason: "options must be -c name=value settings, not \(word)")
            }
            let parts = assignment.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[0].isEmpty else { throw Invalid(reason: "options: \(assignment) is not name=value") }
            settings.append((parts[0], parts[1]))
        }
        return settings
    }

    /// The URL without its password, for logs.
    public var description: String { "postgres://\(username)@\(host):\(port)/\(database)" }

    func clientConfiguration() -> PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS = switch sslMode {
        case .disable: .disable
        case .prefer: .prefer(.makeClientConfiguration())
        case .require: .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.additionalStartupParameters = settings
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }
}
