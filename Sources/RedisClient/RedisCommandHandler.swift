import NIOCore

/// A command on its way to Redis with the promise for its reply.
struct RedisCommand: Sendable {
    var arguments: [[UInt8]]
    var reply: EventLoopPromise<RESPValue>
}

/// Pipelining: commands are written as they come, and since Redis replies in order,
/// each reply completes the oldest pending promise.
final class RedisCommandHandler: ChannelDuplexHandler {
    typealias InboundIn = RESPValue
    typealias OutboundIn = RedisCommand
    typealias OutboundOut = ByteBuffer

    private var pending = CircularBuffer<EventLoopPromise<RESPValue>>()
    private var isClosed = false

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let command = unwrapOutboundIn(data)
        guard !isClosed else {
            // Nothing would ever complete the promise once the connection is gone.
            command.reply.fail(RedisClientError.connectionClosed)
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        buffer.writeRESPCommand(command.arguments)
        pending.append(command.reply)
        context.write(wrapOutboundOut(buffer), promise: promise)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let value = unwrapInboundIn(data)
        guard let reply = pending.popFirst() else {
            // A reply nobody asked for means the replies can no longer be matched to commands.
            errorCaught(context: context, error: RedisClientError.protocolViolation("unexpected reply \(value)"))
            return
        }
        reply.succeed(value)
    }

    func channelInactive(context: ChannelHandlerContext) {
        failPending(RedisClientError.connectionClosed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A decoding error is worth reporting as is; anything else means the connection is unusable.
        failPending(error as? RedisClientError ?? .connectionClosed)
        context.close(promise: nil)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        failPending(RedisClientError.connectionClosed)
    }

    private func failPending(_ error: RedisClientError) {
        isClosed = true
        while let reply = pending.popFirst() {
            reply.fail(error)
        }
    }
}
