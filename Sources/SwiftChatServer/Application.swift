import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import ServiceLifecycle
import SwiftChatCore

/// The composition root: picks the backends from the settings and wires the services into the
/// HTTP and WebSocket routers. The schema is migrated and the accounts seeded first, over a
/// short-lived store; the app's own store and the broker then run as its first services (so they
/// stop last). `main` and every test build the app here.
public func buildApplication(
    settings: Settings, logger: Logger, now: @escaping @Sendable () -> Date = Date.init
) async throws -> (some ApplicationProtocol, AppRuntime) {
    let passwords = PasswordHasher(cost: settings.bcryptCost)
    try await prepareDatabase(settings, passwords: passwords, logger: logger, now: now)
    let store = try await makeStore(settings, standalone: false, logger: logger)
    let fanout = LocalFanout(logger: logger, render: NotificationSocketHandler.render)
    let broker = await makeBroker(settings, subscribers: fanout, logger: logger)

    let secret = try settings.secretKey ?? SecretKeyFile.loadOrCreate(besideDatabase: settings.databasePath, logger: logger)
    let auth = await makeAuthService(settings, store: store, secret: secret, passwords: passwords, logger: logger, now: now)
    if settings.devMode {
        logger.warning("dev mode (PROJECT_RUNNING_ENV=dev): OTP codes are returned in API responses; never run production like this")
    }

    let storage = try await makeBlobStorage(settings, logger: logger)
    let thumbnails = ThumbnailQueue(
        store: store, storage: storage, maker: ThumbnailMaker(program: settings.media.thumbnailProgram, maxImagePixels: settings.media.maxImagePixels), logger: logger)
    let services = AppServices(
        settings: settings, store: store, broker: broker, auth: auth, storage: storage, secret: secret,
        onImageStored: { thumbnails.enqueue($0) }, logger: logger, now: now)
    let routes = APIRoutes(router: Router(context: AppRequestContext.self, options: [.autoGenerateHeadEndpoints]), table: RouteTable())
    registerHTTPRoutes(on: routes, services: services, settings: settings)
    let webSocketRouter = makeWebSocketRouter(routes: routes, services: services, fanout: fanout, settings: settings)

    let app = Application(
        router: routes.router,
        server: makeServer(settings: settings, gate: services.gate, webSocketResponder: webSocketRouter.buildResponder()),
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "SwiftChat"),
        services: [
            store,
            broker,
            HousekeepingService(store: store, auth: auth, throttles: services.api.throttles, admin: services.admin, logger: logger, now: now),
            EventPruningService(events: services.eventLog, interval: settings.eventPruneInterval, logger: logger),
            // The media sweep also runs once at start, for what a stopped server left.
            RepeatingService(interval: settings.media.sweepInterval) { [sweeper = services.mediaSweeper] in
                do { try await sweeper.sweep() } catch { logger.warning("the media sweep failed", metadata: ["error": "\(error)"]) }
            },
            RepeatingService(interval: services.presence.heartbeatInterval) { [presence = services.presence, counters = services.socketCounters] in
                await presence.heartbeat(counters.users())
            },
            thumbnails,
        ],
        logger: logger)
    let runtime = AppRuntime(
        settings: settings, store: store, broker: broker, auth: auth, socketCounters: services.socketCounters,
        admissions: services.gate.admissions, routes: routes.table, storage: storage, mediaSweeper: services.mediaSweeper)
    return (app, runtime)
}

/// The HTTP server: every connection passes the handshake gate and the connection limits, then
/// HTTP/1.1 with the WebSocket upgrade.
private func makeServer<WebSocketResponder: HTTPResponder>(
    settings: Settings, gate: WebSocketGate, webSocketResponder: WebSocketResponder
) -> HTTPServerBuilder where WebSocketResponder.Context: WebSocketRequestContext {
    let pingInterval = settings.webSocketPingInterval
    let webSocketConfiguration = WebSocketServerConfiguration(
        maxFrameSize: settings.webSocketMaxFrameSize,
        autoPing: pingInterval > 0 ? .enabled(timePeriod: .milliseconds(Int64(pingInterval * 1000))) : .disabled,
        // Text that is not UTF-8 closes with 1007 (RFC 6455 §8.1) instead of being patched up.
        validateUTF8: true)
    let limits = ConnectionLimits(
        headTimeout: .interval(settings.httpHeadTimeout), bodyTimeout: .interval(settings.httpBodyTimeout),
        keepAliveTimeout: .interval(settings.httpKeepAliveTimeout), maxHeadSize: settings.httpMaxHeadSize)
    let http1 = HTTP1Channel.Configuration(
        httpDecoderConfiguration: .init(maxHeaderFieldSize: limits.maxHeadSize, maxHeaderListSize: limits.maxHeadSize))
    return HTTPServerBuilder { responder in
        GatedChildChannel(
            inner: HTTP1WebSocketUpgradeChannel(
                responder: responder, webSocketResponder: webSocketResponder,
                configuration: .init(http1: http1, ws: webSocketConfiguration)),
            gate: gate, limits: limits, admissionTimeout: .interval(settings.webSocketHandshakeTimeout))
    }
}
