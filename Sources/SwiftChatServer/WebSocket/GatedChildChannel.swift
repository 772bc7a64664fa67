import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1

/// Wraps a server child channel so that every connection starts with a `HandshakeGateHandler`
/// (behind a `LingeringCloseHandler`) and has an `HTTPDeadlineHandler` behind its HTTP decoder.
struct GatedChildChannel<Inner: ServerChildChannel>: ServerChildChannel {
    struct Value: ServerChildChannelValue {
        let inner: Inner.Value
        /// false when the gate answered the first request itself (or the client left first).
        let passedGate: EventLoopFuture<Bool>
        var channel: any Channel { inner.channel }
    }

    let inner: Inner
    let gate: WebSocketGate
    let limits: ConnectionLimits
    let admissionTimeout: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let gateHandler = HandshakeGateHandler(
                gate: gate, maxHeadSize: limits.maxHeadSize, admissionTimeout: admissionTimeout, eventLoop: channel.eventLoop)
            try channel.pipeline.syncOperations.addHandler(gateHandler, position: .first)
            try channel.pipeline.syncOperations.addHandler(LingeringCloseHandler(), position: .first)
            return gateHandler.decision.futureResult
        }.flatMap { passedGate in
            inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
                let decoder = try channel.pipeline.syncOperations.handler(type: ByteToMessageHandler<HTTPRequestDecoder>.self)
                try channel.pipeline.syncOperations.addHandler(HTTPDeadlineHandler(limits: limits), position: .after(decoder))
                return Value(inner: value, passedGate: passedGate)
            }
        }
    }

    func handle(value: Value, logger: Logger) async {
        // A connection the gate answered has nothing left to serve; handing it on would only
        // report its closing as a failed upgrade.
        guard (try? await value.passedGate.get()) == true else {
            logger.debug("connection answered by the handshake gate")
            return
        }
        await inner.handle(value: value.inner, logger: logger)
    }
}
