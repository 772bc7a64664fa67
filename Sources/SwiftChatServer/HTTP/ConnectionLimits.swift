import NIOCore

/// How long a connection may take over each step of a request, and how large a request head
/// may be; a client that is slower or sends more is disconnected (431 for an oversize head), so
/// that held-open connections cannot use up the server's descriptors.
struct ConnectionLimits: Sendable {
    /// From the connection's start until the first request head has arrived (and been admitted,
    /// for a WebSocket handshake).
    var headTimeout: TimeAmount
    /// From a request head to the first part of its body, and between parts.
    var bodyTimeout: TimeAmount
    /// An open connection with no request under way, after a response.
    var keepAliveTimeout: TimeAmount
    /// Largest request head (request line and headers), in bytes.
    var maxHeadSize: Int
}

extension TimeAmount {
    /// A settings duration (seconds, possibly fractional) as a NIO time amount.
    static func interval(_ seconds: Double) -> TimeAmount { .milliseconds(Int64((seconds * 1000).rounded())) }
}
