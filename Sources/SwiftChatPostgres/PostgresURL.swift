import Foundation
import PostgresNIO

/// `DATABASE_URL` in the libpq form: `postgres://user:password@host:port/database?sslmode=…&options=…`.
/// Of the query parameters, `sslmode` and `options` (`-c name=value` run-time settings, e.g.
/// `-c search_path=chat`) are understood; any other is refused, so a typo is not silently
/// ignored. The `sslmode`s mean what they mean to libpq: prefer and require encrypt without
/// checking the certificate, verify-ca checks it against the system's trusted authorities,
/// verify-full checks the host name too.
public struct PostgresURL: Sendable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String
    public var password: String?
    public var database: String
    public var sslMode: SSLMode
    /// Run-time settings sent at connection start.
    public var settings: [(String, String)]

    public enum SSLMode: String, Sendable, CaseIterable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
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
        // The percent-encoded forms, decoded once: a password may well contain a literal "%".
        guard let user = components.percentEncodedUser.flatMap({ $0.removingPercentEncoding }), !user.isEmpty else {
            throw Invalid(reason: "the user name is missing")
        }
        let database = String(components.percentEncodedPath.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/"), let decodedDatabase = database.removingPercentEncoding else {
            throw Invalid(reason: "the database name is missing (postgres://user@host/database)")
        }
        self.host = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
        self.port = components.port ?? 5432
        self.username = user
        self.password = components.percentEncodedPassword.flatMap { $0.removingPercentEncoding }
        self.database = decodedDatabase
        self.sslMode = .prefer
        self.settings = []
        for item in components.queryItems ?? [] {
            let value = item.value ?? ""
            switch item.name {
            case "sslmode":
                guard let mode = SSLMode(rawValue: value) else {
                    let modes = SSLMode.allCases.map(\.rawValue).joined(separator: ", ")
                    throw Invalid(reason: "sslmode must be one of \(modes), not \(value)")
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
        case .prefer: .prefer(tlsConfiguration)
        case .require, .verifyCA, .verifyFull: .require(tlsConfiguration)
        }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.additionalStartupParameters = settings
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    /// The same target for a single connection of its own (the reachability check).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS = switch sslMode {
        case .disable: .disable
        case .prefer: .prefer(try NIOSSLContext(configuration: tlsConfiguration))
        case .require, .verifyCA, .verifyFull: .require(try NIOSSLContext(configuration: tlsConfiguration))
        }
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.additionalStartupParameters = settings
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }

    private var tlsConfiguration: TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = switch sslMode {
        case .disable, .prefer, .require: .none
        case .verifyCA: .noHostnameVerification
        case .verifyFull: .fullVerification
        }
        return tls
    }
}
