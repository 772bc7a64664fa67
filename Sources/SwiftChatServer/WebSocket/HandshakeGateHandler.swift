import Foundation
import HummingbirdCore
import Logging
import NIOCore
import SwiftChatCore

/// Hummingbird answers a refused WebSocket upgrade with an empty 400; the original (and its
/// clients) expect an HTTP 403 handshake rejection. This handler sits first in each
/// connection's pipeline, reads the first request head, and when it is a WebSocket upgrade of
/// `/ws` that the gate refuses, answers 403 itself and closes. A first head larger than the
/// limit is answered 431. Anything else passes through untouched, and the handler removes
/// itself after the first request. `decision` tells the connection's handler whether anything
/// is left for it to serve.
final class HandshakeGateHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let gate: WebSocketGate
    private let maxHeadSize: Int
    private let admissionTimeout: TimeAmount
    private var buffered: ByteBuffer?
    /// How far the search for the head's end has got, so that a head arriving a byte at a time
    /// is scanned once, not once per byte.
    private var scanned = 0
    private enum Step { case readingHead, admitting, answered }
    private var step = Step.readingHead
    /// Succeeds with true once the bytes went on to the HTTP pipeline, false when this handler
    /// answered (or the client left first).
    let decision: EventLoopPromise<Bool>

    init(gate: WebSocketGate, maxHeadSize: Int, admissionTimeout: TimeAmount, eventLoop: any EventLoop) {
        self.gate = gate
        self.maxHeadSize = maxHeadSize
        self.admissionTimeout = admissionTimeout
        self.decision = eventLoop.makePromise(of: Bool.self)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        decision.succeed(false)  // no-op when already decided
    }

    func channelInactive(context: ChannelHandlerContext) {
        decision.succeed(false)
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var chunk = unwrapInboundIn(data)
        guard step != .answered else { return }
        if buffered == nil {
            buffered = chunk
        } else {
            buffered!.writeBuffer(&chunk)
        }
        if step == .admitting {
            // An eager client may send frames before the answer; a flood is not kept.
            if buffered!.readableBytes > 2 * maxHeadSize { answered(context: context) }
            return
        }
        guard let bytes = buffered, let headEnd = findHeadEnd(in: bytes) else {
            if (buffered?.readableBytes ?? 0) > maxHeadSize {
                answer(context: context, status: "431 Request Header Fields Too Large",
                       detail: "The request head is larger than \(maxHeadSize) bytes.", closeAfter: .zero)
            }
            return
        }
        guard headEnd <= maxHeadSize else {
            answer(context: context, status: "431 Request Header Fields Too Large",
                   detail: "The request head is larger than \(maxHeadSize) bytes.", closeAfter: .zero)
            return
        }
        let head = RequestHead(bytes, headLength: headEnd)
        if head.method == "CONNECT" {
            // Answered here, where the bytes are still raw: NIO's encoder sends any answer to
            // CONNECT without a length or a body, as if a tunnel followed.
            answer(context: context, status: "405 Method Not Allowed", detail: "Method \"CONNECT\" not allowed.", closeAfter: .zero)
            return
        }
        guard head.isWebSocketUpgrade else {
            passThrough(context: context)
            return
        }
        // Only /ws takes a WebSocket. Answered here, in JSON: past the gate, a refused upgrade
        // gets the WebSocket library's empty 400, and other spellings of the path (`//ws/`)
        // would reach the socket's route unadmitted.
        guard head.path == "/ws" || head.path == "/ws/" else {
            answer(context: context, status: "404 Not Found", detail: "Not found.", closeAfter: .seconds(5))
            return
        }
        switch head.handshakeProblem {
        case .version?:
            answer(context: context, status: "426 Upgrade Required", extraHeaders: "Sec-WebSocket-Version: 13\r\n",
                   detail: "WebSocket handshake refused: only Sec-WebSocket-Version 13 is spoken.", closeAfter: .zero)
            return
        case .key?:
            answer(context: context, status: "400 Bad Request",
                   detail: "WebSocket handshake refused: Sec-WebSocket-Key must be the base64 of 16 bytes.", closeAfter: .zero)
            return
        case nil: break
        }
        step = .admitting
        admit(head, context: context)
    }

    /// The offset just past the blank line that ends the head (CRLF CRLF, or bare LFs), if it
    /// has arrived.
    private func findHeadEnd(in bytes: ByteBuffer) -> Int? {
        let view = bytes.readableBytesView
        let count = view.count
        var index = max(0, scanned - 2)
        defer { scanned = count }
        while index < count {
            if view[view.startIndex + index] == 10 {
                let next = index + 1 < count ? view[view.startIndex + index + 1] : nil
                if next == 10 { return index + 2 }
                if next == 13, index + 2 < count, view[view.startIndex + index + 2] == 10 { return index + 3 }
            }
            index += 1
        }
        return nil
    }

    private func admit(_ head: RequestHead, context: ChannelHandlerContext) {
        let gate = self.gate
        let loop = context.eventLoop
        let boundContext = NIOLoopBound(context, eventLoop: loop)
        let handler = NIOLoopBound(self, eventLoop: loop)
        let promise = loop.makePromise(of: Result<User, WebSocketGate.Refusal>?.self)
        promise.completeWithTask { await gate.admit(token: head.token, origin: head.origin) }
        // A database that does not answer must not hold the handshake open.
        let deadline = loop.scheduleTask(in: admissionTimeout) { promise.succeed(nil) }
        promise.futureResult.whenComplete { result in
            deadline.cancel()
            let context = boundContext.value
            switch result {
            case .success(.success(let user)?):
                gate.admissions.record(user, for: context.channel)
                handler.value.passThrough(context: context)
            case .success(.failure(.tooManySockets)?):
                handler.value.answer(
                    context: context, status: "429 Too Many Requests",
                    detail: "Too many open sockets for this user: close one first.", closeAfter: .seconds(5))
            case .success(nil):
                handler.value.answer(context: context, status: "503 Service Unavailable",
                                     detail: "The server could not check the token in time. Try again later.", closeAfter: .zero)
            default:
                // The client closes on `Connection: close`; closing first from here would fail
                // the upgrade pipeline behind this handler, so only stragglers are closed later.
                handler.value.answer(
                    context: context, status: "403 Forbidden",
                    detail: "WebSocket handshake refused: a valid access token is required in ?token=, from an allowed origin.",
                    closeAfter: .seconds(5))
            }
        }
    }

    /// Gives up on a connection that sent too much while its handshake was being checked.
    private func answered(context: ChannelHandlerContext) {
        step = .answered
        buffered = nil
        decision.succeed(false)
        context.close(promise: nil)
    }

    private func passThrough(context: ChannelHandlerContext) {
        decision.succeed(true)
        if let bytes = buffered {
            buffered = nil
            context.fireChannelRead(wrapInboundOut(bytes))
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }

    /// Answers the first request here, in JSON, and ends the connection.
    private func answer(
        context: ChannelHandlerContext, status: String, extraHeaders: String = "", detail: String, closeAfter delay: TimeAmount
    ) {
        step = .answered
        decision.succeed(false)
        buffered = nil
        let body = JSONValue.detail(detail).serialized
        var response = context.channel.allocator.buffer(capacity: 256)
        response.writeString(
            "HTTP/1.1 \(status)\r\n\(extraHeaders)Content-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n\r\n\(body)")
        let channel = context.channel
        context.writeAndFlush(NIOAny(response)).whenComplete { _ in
            if delay == .zero {
                channel.close(promise: nil)
            } else {
                channel.eventLoop.scheduleTask(in: delay) { channel.close(promise: nil) }
            }
        }
    }
}
