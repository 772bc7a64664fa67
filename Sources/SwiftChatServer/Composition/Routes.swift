import Hummingbird
import HummingbirdWebSocket
import SwiftChatCore

/// The HTTP routes of this process's role, with the middleware every answer passes through.
func registerHTTPRoutes(on routes: APIRoutes<AppRequestContext>, services: AppServices, settings: Settings) {
    let api = services.api
    let metrics = settings.metrics ? ServerMetrics() : nil
    // Outermost: it sees every answer as the client gets it, CORS headers and errors included.
    routes.router.add(middleware: AccessLogMiddleware(logs: settings.accessLog, metrics: metrics))
    // CORS next, so that error answers carry its headers too (browsers hide them otherwise).
    routes.router.add(middleware: AllowedOriginsCORSMiddleware(allowedOrigins: Set(settings.corsAllowedOrigins)))
    routes.router.add(middleware: JSONErrorMiddleware())
    routes.router.add(middleware: RouteTableMiddleware(table: routes.table) { _ = try await api.caller(of: $0) })
    HealthController(store: services.store, broker: services.broker, eventLogReads: services.eventLog.reads).register(on: routes)
    if let metrics { MetricsController(metrics: metrics, services: services).register(on: routes.router) }
    guard settings.role.servesHTTP else { return }
    AuthController(api: api).register(on: routes)
    UserController(api: api).register(on: routes)
    InterestController(api: api).register(on: routes)
    ConversationController(api: api, conversations: services.conversations, presence: services.presence).register(on: routes)
    PresenceController(api: api, presence: services.presence).register(on: routes)
    SearchController(api: api, search: services.messageSearch).register(on: routes)
    PrivacyController(api: api).register(on: routes)
    NearbyController(api: api, nearby: services.nearby).register(on: routes)
    EventController(api: api, events: services.eventLog).register(on: routes)
    UploadController(api: api, attachments: services.attachments, formTokens: services.uploadForms).register(on: routes)
    AttachmentController(api: api, attachments: services.attachments).register(on: routes)
    // The documentation belongs with the API it documents (nginx sends /swagger/ to web).
    SwaggerController(table: routes.table, localUIDirectory: settings.swaggerUIDirectory, maxMessageLength: settings.maxMessageLength)
        .register(on: routes)
    let mediaOrigins = settings.media.s3.map { [$0.origin] } ?? []
    WebClientController(mediaOrigins: mediaOrigins, assetsDirectory: settings.webAssetsDirectory).register(on: routes.router)
    AdminController(
        admin: services.admin, store: services.store, presence: services.presence, broker: services.broker, api: api,
        cookie: AdminCookie(secure: !settings.devMode), trustedOrigins: settings.csrfTrustedOrigins, mediaOrigins: mediaOrigins
    ).register(on: routes.router)
}

/// The notification socket at `/ws/` when this process serves it; otherwise only its
/// documentation. A GET of `/ws/` that is not an upgrade gets a 403 with the reason.
func makeWebSocketRouter(
    routes: APIRoutes<AppRequestContext>, services: AppServices, fanout: LocalFanout, settings: Settings
) -> Router<AppRequestContext> {
    let webSocketRouter = Router(context: AppRequestContext.self)
    guard settings.role.servesWebSocket else {
        // ws processes serve the socket; the documentation served here still describes it.
        routes.table.addServedElsewhere(.init(method: .get, path: "/ws/", slashOptional: true, doc: Docs.webSocket))
        return webSocketRouter
    }
    let gate = services.gate
    // Pongs are consumed inside the WebSocket library and never reach the idle watchdog. While
    // pings run more often than the idle timeout, a client that answers them is never idle, and
    // one that stops answering is closed by the ping timeout, so the watchdog is not needed.
    let pingInterval = settings.webSocketPingInterval
    let idleTimeout = pingInterval > 0 && pingInterval < settings.webSocketIdleTimeout ? 0 : settings.webSocketIdleTimeout
    let socketHandler = NotificationSocketHandler(
        gate: gate, fanout: fanout, queueLimit: settings.webSocketQueueLimit, maxMessageSize: settings.webSocketMaxFrameSize,
        idleTimeout: idleTimeout, maxSocketsPerUser: settings.webSocketMaxSocketsPerUser, counters: services.socketCounters,
        events: services.eventLog, conversations: services.conversations, presence: services.presence)
    // Refused upgrades are answered before they get here, by HandshakeGateHandler.
    routes.on(.get, "/ws/", slashOptional: true, doc: Docs.webSocket) { request, _ in
        let reason: String = switch await gate.admit(request) {
        case .success: "A WebSocket upgrade is required."
        case .failure(.origin): "Origin not allowed."
        case .failure(.tooManySockets): "Too many open sockets for this user."
        case .failure: "Authentication credentials were not provided or are invalid."
        }
        return .json(.detail(reason), status: .forbidden)
    }
    // The gate answers every handshake that is not admitted, so this refusal is a safety net.
    webSocketRouter.ws("/ws") { _, context in
        gate.admittedUser(on: context.connection) != nil ? .upgrade([:]) : .dontUpgrade
    } onUpgrade: { inbound, outbound, context in
        try await socketHandler.run(inbound: inbound, outbound: outbound, context: context)
    }
    return webSocketRouter
}
