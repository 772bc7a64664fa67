import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// The per-request context: Hummingbird's core storage, the WebSocket upgrade slot, the peer
/// address (for per-client rate limits) and the connection (a WebSocket upgrade finds the user
/// the handshake gate admitted on it).
public struct AppRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<AppRequestContext>
    public let peerAddress: String?
    let connection: ObjectIdentifier

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.peerAddress = source.channel.remoteAddress?.ipAddress
        self.connection = ObjectIdentifier(source.channel)
    }
}
