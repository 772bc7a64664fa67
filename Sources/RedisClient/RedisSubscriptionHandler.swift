import NIOCore

/// Sits in front of the command handler: replies pass through to it until SUBSCRIBE is sent
/// (AUTH and SELECT come first); from then on every value is a pub/sub push handled here.
final class RedisSubscriptionHandler: ChannelInboundHandler {
    typealias InboundIn = RESPValue
    typealias InboundOut = RESPValue
    typealias OutboundOut = ByteBuffer

    private let messages: AsyncThrowingStream<RedisPubSubMessage, any Error>.Continuation
    private var context: ChannelHandlerContext?
    private var isSubscribed = false
    private var unconfirmed: Set<String> = []
    private var confirmation: EventLoopPromise<Void>?

    init(messages: AsyncThrowingStream<RedisPubSubMessage, any Error>.Continuation) {
        self.messages = messages
    }

    /// Sends SUBSCRIBE; `confirmation` succeeds once Redis has confirmed every channel.
    func subscribe(to channels: [String], confirmation: EventLoopPromise<Void>) {
        guard let context, context.channel.isActive else {
            confirmation.fail(RedisClientError.connectionClosed)
            return
        }
        isSubscribed = true
        unconfirmed = Set(channels)
        guard !channels.isEmpty else { return confirmation.succeed() }
        self.confirmation = confirmation
        var buffer = context.channel.allocator.buffer(capacity: 64)
        buffer.writeRESPCommand([Array("SUBSCRIBE".utf8)] + channels.map { Array($0.utf8) })
        // Written from here, so it reaches the socket without passing the command handler.
        context.writeAndFlush(wrapOutboundOut(buffer)).whenFailure { _ in
            confirmation.fail(RedisClientError.connectionClosed)
        }
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        self.context = nil
        finish(RedisClientError.connectionClosed)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard isSubscribed else { return context.fireChannelRead(data) }
        switch unwrapInboundIn(data) {
        case .array(let items?) where items.count == 3:
            guard case .bulkString(let kind?) = items[0], case .bulkString(let channel?) = items[1] else { return }
            switch String(decoding: kind, as: UTF8.self) {
            case "message":
                guard case .bulkString(let payload?) = items[2] else { return }
                messages.yield(RedisPubSubMessage(channel: String(decoding: channel, as: UTF8.self), payload: payload))
            case "subscribe":
                unconfirmed.remove(String(decoding: channel, as: UTF8.self))
                if unconfirmed.isEmpty {
                    confirmation?.succeed()
                    confirmation = nil
                }
            default:
                break  // other pushes (e.g. unsubscribe) do not concern us
            }
        case .error(let message):
            // e.g. NOAUTH: the subscription cannot work, so end it.
            finish(RedisClientError.server(message))
            context.close(promise: nil)
        default:
            break
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(RedisClientError.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        finish(error as? RedisClientError ?? .connectionClosed)
        context.fireErrorCaught(error)
    }

    /// Ends both the wait for confirmation and the stream; later calls do nothing.
    private func finish(_ error: RedisClientError) {
        confirmation?.fail(error)
        confirmation = nil
        messages.finish(throwing: error)
    }
}
