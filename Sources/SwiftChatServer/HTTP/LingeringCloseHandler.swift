import NIOCore

/// Closes a connection the way a careful server does: its last bytes (a 413, a 431, a 1009
/// close frame) are sent, the write side is shut, and what the client is still sending is
/// read and dropped for a moment before the socket is closed. Closing at once with unread
/// input would make the kernel reset the connection, and the client would never see the
/// answer that explains why.
final class LingeringCloseHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Longest wait for the client to finish after the write side is shut.
    static let lingerTime: TimeAmount = .seconds(2)
    /// Most bytes dropped while lingering; a client that sends more is cut off.
    static let lingerBytes = 8 << 20

    private var lingering = false
    private var dropped = 0
    private var pendingCloses: [EventLoopPromise<Void>] = []

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard lingering else {
            context.fireChannelRead(data)
            return
        }
        dropped += unwrapInboundIn(data).readableBytes
        if dropped > Self.lingerBytes { finish(context: context) }
    }

    /// Reading must go on while lingering: a kernel buffer left full of unread input is what
    /// turns the final close into a reset.
    func channelReadComplete(context: ChannelHandlerContext) {
        if lingering {
            context.read()
        } else {
            context.fireChannelReadComplete()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        for promise in pendingCloses { promise.succeed() }
        pendingCloses = []
        context.fireChannelInactive()
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard mode == .all, context.channel.isActive else {
            context.close(mode: mode, promise: promise)
            return
        }
        if let promise { pendingCloses.append(promise) }
        guard !lingering else { return }
        lingering = true
        context.flush()
        let bound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
        let promise = context.eventLoop.makePromise(of: Void.self)
        promise.futureResult.whenFailure { _ in bound.value.handler.finish(context: bound.value.context) }
        context.close(mode: .output, promise: promise)
        context.eventLoop.scheduleTask(in: Self.lingerTime) { bound.value.handler.finish(context: bound.value.context) }
        // Reading goes on (even where the application had paused it) so the client's FIN is seen.
        context.read()
    }

    func read(context: ChannelHandlerContext) {
        context.read()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if lingering, let event = event as? ChannelEvent, event == .inputClosed {
            finish(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func finish(context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        context.close(mode: .all, promise: nil)
    }
}
