import NIOCore
import NIOHTTP1
import SwiftChatCore

/// Puts a deadline on every wait for a client: the first request head, each read of a body, and each
/// pause between keep-alive requests (`ConnectionLimits`). It also answers what the HTTP decoder
/// refuses (an oversize head: 431; anything malformed: 400) with a JSON body and closes, where
/// the connection would otherwise be left open without an answer. It sits right behind the
/// decoder; once a WebSocket upgrade is answered it only passes data along (the socket has its
/// own ping and idle rules, and what flows then is no longer HTTP).
final class HTTPDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let limits: ConnectionLimits
    private var timer: Scheduled<Void>?
    /// Requests whose response has not ended yet (HTTP/1.1 allows a client to pipeline).
    private var pendingResponses = 0
    private var readingBody = false
    private var answeredError = false
    private var upgraded = false

    init(limits: ConnectionLimits) {
        self.limits = limits
    }

    func handlerAdded(context: ChannelHandlerContext) {
        arm(context: context, limits.headTimeout)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if upgraded {
            context.fireChannelRead(data)
            return
        }
        if answeredError { return }
        switch unwrapInboundIn(data) {
        case .head(let head) where head.method == .CONNECT:
            // Not a proxy. (A first request's CONNECT is answered by the handshake gate, with a
            // body; here NIO's encoder sends the answer bare, and the close frames it.)
            answeredError = true
            disarm()
            Self.answer(.methodNotAllowed, detail: "Method \"CONNECT\" not allowed.", context: context)
            return
        case .head:
            pendingResponses += 1
            readingBody = true
            arm(context: context, limits.bodyTimeout)
        case .body:
            // The deadline is between reads: an upload of any size may take as long as it keeps
            // sending, and a client that stops is cut off one timeout later.
            arm(context: context, limits.bodyTimeout)
        case .end:
            readingBody = false
            // An early answer (a refusal before the body was read) may already have ended.
            if pendingResponses == 0 { arm(context: context, limits.keepAliveTimeout) } else { disarm() }
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if upgraded {
            context.write(data, promise: promise)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status == .switchingProtocols:
            upgraded = true
            disarm()
            // The upgrade adds the frame decoder right after this response is written.
            let pipeline = context.pipeline
            context.eventLoop.execute { WebSocketFrameRulesHandler.install(in: pipeline) }
        case .end:
            pendingResponses = max(0, pendingResponses - 1)
            if pendingResponses == 0 && !readingBody { arm(context: context, limits.keepAliveTimeout) }
        default:
            break
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard !upgraded, let parserError = error as? HTTPParserError else {
            context.fireErrorCaught(error)
            return
        }
        guard !answeredError else { return }
        answeredError = true
        disarm()
        let (status, detail): (HTTPResponseStatus, String) = switch parserError {
        case .headerOverflow: (.requestHeaderFieldsTooLarge, "The request head is larger than \(limits.maxHeadSize) bytes.")
        default: (.badRequest, "The request is not valid HTTP/1.1.")
        }
        Self.answer(status, detail: detail, context: context)
    }

    /// A JSON error answer written from outside the application, then the connection closes.
    static func answer(_ status: HTTPResponseStatus, detail: String, context: ChannelHandlerContext) {
        let body = JSONValue.detail(detail).serialized
        var buffer = context.channel.allocator.buffer(capacity: body.utf8.count)
        buffer.writeString(body)
        let headers = HTTPHeaders([
            ("Content-Type", "application/json"), ("Content-Length", String(buffer.readableBytes)), ("Connection", "close"),
        ])
        let channel = context.channel
        context.write(NIOAny(HTTPServerResponsePart.head(.init(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(NIOAny(HTTPServerResponsePart.body(.byteBuffer(buffer))), promise: nil)
        context.writeAndFlush(NIOAny(HTTPServerResponsePart.end(nil))).whenComplete { _ in channel.close(promise: nil) }
    }

    private func arm(context: ChannelHandlerContext, _ amount: TimeAmount) {
        timer?.cancel()
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: amount) { channel.close(promise: nil) }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}
