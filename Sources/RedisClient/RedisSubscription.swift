import Logging
import NIOCore
import NIOPosix

public struct RedisPubSubMessage: Sendable, Equatable {
    public var channel: String
    public var payload: [UInt8]

    public init(channel: String, payload: [UInt8]) {
        self.channel = channel
        self.payload = payload
    }
}

/// A connection in subscriber mode.
public final class RedisSubscription: Sendable {
    private let connection: RedisConnection
    private let continuation: AsyncThrowingStream<RedisPubSubMessage, any Error>.Continuation

    /// The published messages in arrival order. The sequence finishes (or throws) when the connection is lost
    /// or closed; it can be iterated once. Messages are buffered without bound until they are consumed.
    /// It finishes normally after `close()` and throws `RedisClientError.connectionClosed` when the connection
    /// is lost; cancelling the task that iterates it closes the connection.
    public let messages: AsyncThrowingStream<RedisPubSubMessage, any Error>

    private init(
        connection: RedisConnection,
        messages: AsyncThrowingStream<RedisPubSubMessage, any Error>,
        continuation: AsyncThrowingStream<RedisPubSubMessage, any Error>.Continuation
    ) {
        self.connection = connection
        self.messages = messages
        self.continuation = continuation
    }

    /// Connects (AUTH/SELECT as for `RedisConnection`), sends SUBSCRIBE for every channel and returns once Redis
    /// has confirmed all of them (so a PUBLISH sent after this returns is received).
    public static func subscribe(
        to channels: [String],
        at endpoint: RedisEndpoint,
        timeout: Duration = .seconds(2),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger
    ) async throws -> RedisSubscription {
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let (messages, continuation) = AsyncThrowingStream.makeStream(of: RedisPubSubMessage.self)
        let connection = try await RedisConnection.connect(
            to: endpoint, deadline: deadline, eventLoopGroup: eventLoopGroup, logger: logger, subscriber: continuation
        )
        let channel = connection.channel
        let confirmation = channel.eventLoop.makePromise(of: Void.self)
        channel.eventLoop.execute {
            do {
                let handler = try channel.pipeline.syncOperations.handler(type: RedisSubscriptionHandler.self)
                handler.subscribe(to: channels, confirmation: confirmation)
            } catch {
                confirmation.fail(error)
            }
        }
        do {
            try await connection.wait(for: confirmation, until: deadline)
        } catch {
            await connection.close()
            throw error
        }
        // Nobody left to read the messages: stop receiving them.
        continuation.onTermination = { _ in channel.close(promise: nil) }
        return RedisSubscription(connection: connection, messages: messages, continuation: continuation)
    }

    public func close() async {
        continuation.finish()  // a close we asked for ends the stream without an error
        await connection.close()
    }
}
