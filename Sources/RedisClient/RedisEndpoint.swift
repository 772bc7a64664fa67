/// Where a Redis server is: parsed from `redis://[[username]:password@]host[:port][/database]`.
public struct RedisEndpoint: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var database: Int

    public init(host: String, port: Int = 6379, username: String? = nil, password: String? = nil, database: Int = 0) {
        self.host = host
        self.port = port
        self.username = username
        self.password = password
        self.database = database
    }

    public struct InvalidURL: Error, CustomStringConvertible {
        public let reason: String
        public var description: String { "invalid Redis URL: \(reason)" }
    }

    /// Error messages never repeat the URL itself: it may hold a password.
    public init(url: String) throws {
        guard let schemeEnd = url.firstRange(of: "://") else {
            throw InvalidURL(reason: "expected a URL of the form redis://[[username]:password@]host[:port][/database]")
        }
        let scheme = url[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "redis" else {
            throw InvalidURL(reason: scheme == "rediss"
                ? "rediss:// (Redis over TLS) is not supported; use redis://"
                : "unsupported scheme '\(scheme)://'; expected redis://")
        }
        let rest = url[schemeEnd.upperBound...]
        guard !rest.contains("?"), !rest.contains("#") else {
            throw InvalidURL(reason: "query parameters and fragments are not supported")
        }
        let slash = rest.firstIndex(of: "/")
        let authority = rest[..<(slash ?? rest.endIndex)]
        let path = slash.map { rest[rest.index(after: $0)...] } ?? ""

        // The last "@" ends the user info, so an unencoded "@" in a password still parses.
        var hostAndPort = authority
        var username: String?
        var password: String?
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            hostAndPort = authority[authority.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                username = try Self.percentDecoded(userInfo[..<colon], what: "username")
                password = try Self.percentDecoded(userInfo[userInfo.index(after: colon)...], what: "password")
            } else {
                username = try Self.percentDecoded(userInfo, what: "username")
            }
        }

        var host = hostAndPort
        var portText: Substring?
        if hostAndPort.hasPrefix("[") {
            guard let close = hostAndPort.firstIndex(of: "]") else {
                throw InvalidURL(reason: "IPv6 address is missing its closing ']'")
            }
            host = hostAndPort[hostAndPort.index(after: hostAndPort.startIndex)..<close]
            let afterBracket = hostAndPort[hostAndPort.index(after: close)...]
            if !afterBracket.isEmpty {
                guard afterBracket.hasPrefix(":") else { throw InvalidURL(reason: "unexpected text after the IPv6 address") }
                portText = afterBracket.dropFirst()
            }
        } else if let colon = hostAndPort.firstIndex(of: ":") {
            host = hostAndPort[..<colon]
            portText = hostAndPort[hostAndPort.index(after: colon)...]
            guard !portText!.contains(":") else {
                throw InvalidURL(reason: "an IPv6 host must be written in brackets, e.g. redis://[::1]:6379")
            }
        }
        guard !host.isEmpty else { throw InvalidURL(reason: "missing host") }

        var port = 6379
        if let portText {
            guard let number = Self.decimal(portText) else {
                throw InvalidURL(reason: "the port '\(portText)' is not a number")
            }
            guard (1...65535).contains(number) else {
                throw InvalidURL(reason: "the port \(number) is out of range 1...65535")
            }
            port = number
        }

        var database = 0
        if !path.isEmpty {
            guard let number = Self.decimal(path) else {
                throw InvalidURL(reason: "the database '\(path)' is not a non-negative integer")
            }
            database = number
        }

        self.init(
            host: String(host), port: port,
            username: username?.isEmpty == false ? username : nil,
            password: password?.isEmpty == false ? password : nil,
            database: database
        )
    }

    /// `redis://host:port/db` without the credentials, so it is safe to log.
    public var description: String {
        let host = self.host.contains(":") ? "[\(self.host)]" : self.host
        return "redis://\(host):\(port)/\(database)"
    }

    /// Digits only: `Int(_:)` alone would also accept "+1" and "-1".
    private static func decimal(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int(text)
    }

    private static func percentDecoded(_ text: Substring, what: String) throws -> String {
        let input = Array(text.utf8)
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        var index = 0
        while index < input.count {
            if input[index] == UInt8(ascii: "%") {
                guard index + 2 < input.count,
                      let high = hexValue(input[index + 1]), let low = hexValue(input[index + 2])
                else { throw InvalidURL(reason: "invalid percent-encoding in the \(what)") }
                output.append(high << 4 | low)
                index += 3
            } else {
                output.append(input[index])
                index += 1
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
