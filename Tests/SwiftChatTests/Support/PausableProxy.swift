import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// A TCP proxy on loopback that can go silent: while paused it keeps every connection open
/// but forwards nothing, as a hung or partitioned server looks to its clients.
final class PausableProxy: Sendable {
    let port: Int
    private let paused: NIOLockedValueBox<Bool>
    private let listener: any Channel

    private init(port: Int, paused: NIOLockedValueBox<Bool>, listener: any Channel) {
        self.port = port
        self.paused = paused
        self.listener = listener
    }

    static func start(to host: String, port targetPort: Int) async throws -> PausableProxy {
        let paused = NIOLockedValueBox(false)
        let listener = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { inbound in
                ClientBootstrap(group: inbound.eventLoop)
                    .channelInitializer { outbound in
                        outbound.eventLoop.makeCompletedFuture {
                            try outbound.pipeline.syncOperations.addHandler(Forwarder(to: inbound, paused: paused))
                        }
                    }
                    .connect(host: host, port: targetPort)
                    .flatMapThrowing { outbound in
                        try inbound.pipeline.syncOperations.addHandler(Forwarder(to: outbound, paused: paused))
                    }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return PausableProxy(port: listener.localAddress?.port ?? 0, paused: paused, listener: listener)
    }

    func pause() { paused.withLockedValue { $0 = true } }
    func resume() { paused.withLockedValue { $0 = false } }
    var isPaused: Bool { paused.withLockedValue { $0 } }
    func close() async { try? await listener.close() }
}

/// Copies what one side sends to the other (dropping it while paused) and closes the other
/// side when this one closes.
private final class Forwarder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private let partner: any Channel
    private let paused: NIOLockedValueBox<Bool>

    init(to partner: any Channel, paused: NIOLockedValueBox<Bool>) {
        self.partner = partner
        self.paused = paused
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        guard !paused.withLockedValue({ $0 }) else { return }
        partner.writeAndFlush(bytes, promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        partner.close(promise: nil)
    }
}
