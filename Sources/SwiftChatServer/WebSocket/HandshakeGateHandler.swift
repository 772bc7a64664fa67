import Foundation
import HummingbirdCore
import Logging
import NIOCore

/// Hummingbird answers a refused WebSocket upgrade with an empty 400; the original (and its
/// clients) expect an HTTP 403 handshake rejection. This handler sits first in each
/// connection's pipeline, reads the first request head, and when it is a WebSocket upgrade of
/// `/ws` that the gate refuses, answers 403 itself and closes. Anything else passes through
/// untouched, and the handler removes itself after the first request.
final class HandshakeGateHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let gate: WebSocketGate
    private var buffered: ByteBuffer?
    private var deciding = false
    private static let headLimit = 16 * 1024

    init(gate: WebSocketGate) {
        self.gate = gate
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        if deciding {
            buffered?.writeBuffer(&chunk)
            return
        }
        if buffered == nil {
            buffered = chunk
        } else {
            buffered!.writeBuffer(&chunk)
        }
        guard let bytes = buffered, let head = RequestHead(bytes) else {
            if (buffered?.readableBytes ?? 0) > Self.headLimit { passThrough(context: context) }
            return
        }
        guard head.isWebSocketUpgrade, head.path == "/ws" || head.path == "/ws/" else {
            passThrough(context: context)
            return
        }
        deciding = true
        let gate = self.gate
        let loop = context.eventLoop
        let boundContext = NIOLoopBound(context, eventLoop: loop)
        let handler = NIOLoopBound(self, eventLoop: loop)
        let promise = loop.makePromise(of: Bool.self)
        promise.completeWithTask {
            if case .success = await gate.admit(token: head.token, origin: head.origin) { return true }
            return false
        }
        promise.futureResult.whenComplete { result in
            let context = boundContext.value
            if case .success(true) = result {
                handler.value.passThrough(context: context)
            } else {
                handler.value.refuse(context: context)
            }
        }
    }

    private func passThrough(context: ChannelHandlerContext) {
        if let bytes = buffered {
            buffered = nil
            context.fireChannelRead(wrapInboundOut(bytes))
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    private func refuse(context: ChannelHandlerContext) {
        buffered = nil
        let body = JSONValue.detail("WebSocket handshake refused: a valid access token is required in ?token=, from an allowed origin.").serialized
        var response = context.channel.allocator.buffer(capacity: 256)
        response.writeString(
            "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
        // The client closes on `Connection: close`; closing first from here would fail the
        // upgrade pipeline behind this handler, so only stragglers are closed, a little later.
        let channel = context.channel
        context.writeAndFlush(NIOAny(response), promise: nil)
        context.eventLoop.scheduleTask(in: .seconds(5)) { channel.close(promise: nil) }
    }
}

/// Just enough of an HTTP/1.1 request head to route the handshake decision.
struct RequestHead {
    let path: String
    let token: String?
    let origin: String?
    let isWebSocketUpgrade: Bool

    /// nil until the whole head (up to the blank line) has arrived.
    init?(_ buffer: ByteBuffer) {
        let view = buffer.readableBytesView
        guard let end = view.firstRange(of: [13, 10, 13, 10]) else { return nil }
        let text = String(decoding: view[view.startIndex..<end.lowerBound], as: UTF8.self)
        let lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
        let requestLine = lines.first?.split(separator: " ") ?? []
        let target = requestLine.count >= 2 ? String(requestLine[1]) : ""
        let components = URLComponents(string: target)
        path = components?.path ?? target
        token = components?.queryItems?.first { $0.name == "token" }?.value
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let name = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            if headers[name] == nil { headers[name] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
        }
        origin = headers["origin"]
        isWebSocketUpgrade = requestLine.first == "GET" && headers["upgrade"]?.lowercased() == "websocket"
    }
}

/// Wraps a server child channel so that every connection starts with a `HandshakeGateHandler`.
struct GatedChildChannel<Inner: ServerChildChannel>: ServerChildChannel {
    typealias Value = Inner.Value
    let inner: Inner
    let gate: WebSocketGate

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(HandshakeGateHandler(gate: gate), position: .first)
        }.flatMap {
            inner.setup(channel: channel, logger: logger)
        }
    }

    func handle(value: Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
