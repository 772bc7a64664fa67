import Logging
import NIOCore
#if canImport(Glibc)
import Glibc
#endif
import NIOPosix

/// One connection for commands, pipelined: many `send` calls may be in flight concurrently; replies are matched in order.
public final class RedisConnection: Sendable {
    let channel: any Channel
    private let logger: Logger

    private init(channel: any Channel, logger: Logger) {
        self.channel = channel
        self.logger = logger
    }

    /// Connects, then sends AUTH (when the endpoint has a password; `AUTH user pass` when it also has a username)
    /// and SELECT (when database != 0). Throws `RedisClientError.timeout` if TCP connect + AUTH/SELECT take longer
    /// than `timeout`, or the underlying NIO error if refused.
    public static func connect(
        to endpoint: RedisEndpoint,
        timeout: Duration = .seconds(2),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) async throws -> RedisConnection {
        try await connect(to: endpoint, deadline: .now() + TimeAmount(timeout), eventLoopGroup: eventLoopGroup, logger: logger)
    }

    /// The shared connect path; a subscriber gets its handler in front of the command handler.
    static func connect(
        to endpoint: RedisEndpoint,
        deadline: NIODeadline,
        eventLoopGroup: any EventLoopGroup,
        logger: Logger,
        subscriber: AsyncThrowingStream<RedisPubSubMessage, any Error>.Continuation? = nil
    ) async throws -> RedisConnection {
        var logger = logger
        logger[metadataKey: "redis.endpoint"] = "\(endpoint)"
        let bootstrap = ClientBootstrap(group: eventLoopGroup)
            .channelOption(.tcpOption(.tcp_nodelay), value: 1)
            .withKeepalive()
            .connectTimeout(deadline - .now())
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    try pipeline.addHandler(ByteToMessageHandler(RESPDecoder()))
                    if let subscriber {
                        try pipeline.addHandler(RedisSubscriptionHandler(messages: subscriber))
                    }
                    try pipeline.addHandler(RedisCommandHandler())
                }
            }
        let channel: any Channel
        do {
            channel = try await bootstrap.connect(host: endpoint.host, port: endpoint.port).get()
        } catch ChannelError.connectTimeout {
            throw RedisClientError.timeout
        }
        let connection = RedisConnection(channel: channel, logger: logger)
        channel.closeFuture.whenComplete { [logger] _ in logger.debug("Redis connection closed") }

        do {
            if let password = endpoint.password {
                let credentials = endpoint.username.map { [$0, password] } ?? [password]
                _ = try await connection.send(["AUTH"] + credentials, deadline: deadline)
            }
            if endpoint.database != 0 {
                _ = try await connection.send(["SELECT", String(endpoint.database)], deadline: deadline)
            }
        } catch {
            await connection.close()
            throw error
        }
        logger.debug("Redis connection open")
        return connection
    }

    /// Sends one command (each argument a bulk string) and returns its reply; an error reply throws `.server(message)`.
    /// Fails fast with `.connectionClosed` when the connection is already closed. A reply that takes longer than
    /// `timeout` throws `.timeout` and closes the connection (the reply order can no longer be trusted).
    public func send(_ arguments: [String], timeout: Duration = .seconds(2)) async throws -> RESPValue {
        try await send(arguments.map { Array($0.utf8) }, deadline: .now() + TimeAmount(timeout))
    }

    public func send(_ arguments: [[UInt8]], timeout: Duration = .seconds(2)) async throws -> RESPValue {
        try await send(arguments, deadline: .now() + TimeAmount(timeout))
    }

    private func send(_ arguments: [String], deadline: NIODeadline) async throws -> RESPValue {
        try await send(arguments.map { Array($0.utf8) }, deadline: deadline)
    }

    private func send(_ arguments: [[UInt8]], deadline: NIODeadline) async throws -> RESPValue {
        guard channel.isActive else { throw RedisClientError.connectionClosed }
        let reply = channel.eventLoop.makePromise(of: RESPValue.self)
        channel.writeAndFlush(RedisCommand(arguments: arguments, reply: reply)).whenFailure { _ in
            reply.fail(RedisClientError.connectionClosed)
        }
        let value = try await wait(for: reply, until: deadline)
        if case .error(let message) = value {
            throw RedisClientError.server(message)
        }
        return value
    }

    /// Waits for a reply until the deadline. On timeout the connection is closed: a late reply would
    /// otherwise be taken for the answer to the next command. On cancellation only this caller stops
    /// waiting; the reply still arrives and keeps its place in the order.
    func wait<Value: Sendable>(for promise: EventLoopPromise<Value>, until deadline: NIODeadline) async throws -> Value {
        let timer = channel.eventLoop.scheduleTask(deadline: deadline) { [channel] in
            promise.fail(RedisClientError.timeout)
            channel.close(promise: nil)
        }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            promise.fail(CancellationError())
        }
    }

    /// PUBLISH; returns the number of subscribers that received it.
    public func publish(_ message: [UInt8], to channel: String, timeout: Duration = .seconds(2)) async throws -> Int {
        let reply = try await send([Array("PUBLISH".utf8), Array(channel.utf8), message], timeout: timeout)
        guard case .integer(let receivers) = reply else {
            throw RedisClientError.protocolViolation("unexpected reply to PUBLISH: \(reply)")
        }
        return Int(receivers)
    }

    public var isOpen: Bool { channel.isActive }

    /// Returns when the connection has closed, for whatever reason (server gone, close() called).
    public func waitUntilClosed() async {
        try? await channel.closeFuture.get()
    }

    public func close() async {
        try? await channel.close()
        await waitUntilClosed()
    }
}

extension ClientBootstrap {
    /// TCP keepalive probes after 30 s of silence, every 10 s, three times: a peer that vanished
    /// without closing (a dropped NAT entry, a partition) ends the connection within about a
    /// minute. A subscriber only reads, so without this it would wait on a dead link forever.
    func withKeepalive() -> ClientBootstrap {
        let bootstrap = channelOption(.socketOption(.so_keepalive), value: 1)
        #if os(Linux)
        return bootstrap
            .channelOption(ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: TCP_KEEPIDLE)), value: 30)
            .channelOption(ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: TCP_KEEPINTVL)), value: 10)
            .channelOption(ChannelOptions.Types.SocketOption(level: .tcp, name: .init(rawValue: TCP_KEEPCNT)), value: 3)
        #else
        return bootstrap
        #endif
    }
}
