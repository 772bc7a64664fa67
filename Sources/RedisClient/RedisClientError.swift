public enum RedisClientError: Error, Equatable, CustomStringConvertible {
    /// The connection closed before a reply arrived, or a command was sent on a closed connection.
    case connectionClosed
    /// An error reply (`-ERR ...`) to a command.
    case server(String)
    /// Bytes that are not valid RESP.
    case protocolViolation(String)
    /// The connect or reply timeout elapsed.
    case timeout

    public var description: String {
        switch self {
        case .connectionClosed: "the Redis connection is closed"
        case .server(let message): "Redis replied with an error: \(message)"
        case .protocolViolation(let message): "Redis sent invalid RESP data: \(message)"
        case .timeout: "timed out waiting for Redis"
        }
    }
}
