import NIOCore
import NIOWebSocket

/// The RFC 6455 rules on client frames that NIO's decoder and the WebSocket library leave
/// unchecked: every client frame is masked (§5.1), and no reserved bit is set without an
/// extension that defines it, control frames included (§5.2). A frame that breaks one is
/// answered with close 1002 and the connection ends. It sits right behind the frame decoder.
final class WebSocketFrameRulesHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = WebSocketFrame
    typealias InboundOut = WebSocketFrame
    typealias OutboundOut = WebSocketFrame

    private var failed = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !failed else { return }
        let frame = unwrapInboundIn(data)
        let problem: String? =
            if frame.maskKey == nil { "Client frames must be masked" }
            else if frame.rsv1 || frame.rsv2 || frame.rsv3 { "Reserved bits set without an extension" }
            else { nil }
        guard let problem else {
            context.fireChannelRead(data)
            return
        }
        failed = true
        var payload = context.channel.allocator.buffer(capacity: 2 + problem.utf8.count)
        payload.writeInteger(UInt16(1002))
        payload.writeString(problem)
        let close = WebSocketFrame(fin: true, opcode: .connectionClose, data: payload)
        let channel = context.channel
        context.writeAndFlush(wrapOutboundOut(close)).whenComplete { _ in channel.close(promise: nil) }
    }

    /// Puts the handler behind the pipeline's WebSocket frame decoder, once the upgrade has
    /// added one; a pipeline without one is left as it is.
    static func install(in pipeline: ChannelPipeline) {
        let operations = pipeline.syncOperations
        guard let decoder = try? operations.handler(type: ByteToMessageHandler<WebSocketFrameDecoder>.self) else { return }
        try? operations.addHandler(WebSocketFrameRulesHandler(), position: .after(decoder))
    }
}
