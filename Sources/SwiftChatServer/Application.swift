import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdWebSocket
import Logging
import ServiceLifecycle
import SwiftChatCore
import SwiftChatPostgres
import SwiftChatRedis
import SwiftChatSQLite

/// What a running server is made of, for the CLI and for tests that look inside.
public struct AppRuntime: Sendable {
    public let settings: Settings
    public let store: any ChatStore
    public let broker: any Broker
    public let auth: AuthService
    let socketCounters: SocketCounters
    /// Every route served, with its documentation.
    let routes: RouteTable

    public var openSockets: Int { socketCounters.open }

    /// Releases database and broker connections once the application has stopped.
    public func shutdown() async {
        await (broker as? RedisBroker)?.close()
        await store.close()
    }
    public var socketsClosedForOverflow: Int { socketCounters.closedForOverflow }
}

/// The composition root: picks the backends from the settings, migrates and seeds, and wires
/// the services into the HTTP and WebSocket routers. `main` and every test build the app here.
public func buildApplication(
    settings: Settings, logger: Logger, now: @escaping @Sendable () -> Date = Date.init
) async throws -> (some ApplicationProtocol, AppRuntime) {
    let store = try await openStore(settings, logger: logger)
    let fanout = LocalFanout(logger: logger, render: NotificationSocketHandler.render)
    let broker = await makeBroker(settings, subscribers: fanout, logger: logger)

    let secret = try settings.secretKey ?? SecretKeyFile.loadOrCreate(besideDatabase: settings.databasePath, logger: logger)
    let passwords = PasswordHasher(cost: settings.bcryptCost)
    let tokens = await TokenService(
        secret: secret, accessLifetime: settings.accessTokenLifetime, refreshLifetime: settings.refreshTokenLifetime, now: now)
    let auth = AuthService(
        store: store, tokens: tokens, passwords: passwords, codes: OTPCodec(secret: secret, length: settings.otpLength),
        sender: makeSender(settings, logger: logger),
        policy: OTPPolicy(
            returnsCodeInResponse: settings.devMode, lifetime: settings.otpLifetime, maxAttempts: settings.otpMaxAttempts,
            // Per phone within a code's lifetime: nobody else can keep the owner from a code longer.
            perPhone: RateLimiter(limit: settings.otpRatePerPhone, window: settings.otpLifetime),
            perClient: RateLimiter(limit: settings.otpRatePerClient, window: settings.otpRateWindow),
            passwordPerClient: RateLimiter(limit: settings.passwordRatePerClient, window: settings.otpRateWindow),
            phoneFailures: FailureBackoff(
                freeFailures: settings.otpFreeFailuresPerPhone, window: settings.otpRateWindow, maxLock: settings.otpLifetime),
            clientFailures: RateLimiter(limit: settings.otpFailuresPerClient, window: settings.otpRateWindow)),
        now: now, logger: logger)

    try await seedAccounts(store: store, settings: settings, passwords: passwords, logger: logger, now: now)
    if settings.devMode {
        logger.warning("dev mode (PROJECT_RUNNING_ENV=dev): OTP codes are returned in API responses; never run production like this")
    }

    let throttles = WriteThrottles(
        messagesPerMinute: settings.messageRatePerUser, interestChangesPerMinute: settings.interestRatePerUser, now: now)
    let api = APIContext(
        auth: auth, users: UserService(store: store, broker: broker),
        interests: InterestService(store: store, broker: broker, maxMessageLength: settings.maxMessageLength, now: now),
        maxBodySize: settings.maxBodySize, throttles: throttles,
        search: SearchLimits(maxTerms: settings.searchMaxTerms, maxTermLength: settings.searchMaxTermLength),
        trustedProxies: settings.trustProxy ? settings.trustedProxies : [], trustProxy: settings.trustProxy)
    let eventLog = EventLogService(
        store: store, retention: .init(age: settings.eventRetention, count: settings.eventRetentionCount), now: now)
    let conversations = ConversationService(
        store: store, broker: broker, limits: .init(maxGroupMembers: settings.groupMaxMembers, maxMessageLength: settings.maxMessageLength),
        now: now)
    let counters = SocketCounters()
    let gate = WebSocketGate(
        auth: auth, corsOrigins: settings.corsAllowedOrigins, allowedHosts: settings.allowedHosts, sockets: counters,
        maxSocketsPerUser: settings.webSocketMaxSocketsPerUser)
    // Pongs are consumed inside the WebSocket library and never reach the idle watchdog. While
    // pings run more often than the idle timeout, a client that answers them is never idle, and
    // one that stops answering is closed by the ping timeout, so the watchdog is not needed.
    let pingInterval = settings.webSocketPingInterval
    let idleTimeout = pingInterval > 0 && pingInterval < settings.webSocketIdleTimeout ? 0 : settings.webSocketIdleTimeout
    let socketHandler = NotificationSocketHandler(
        gate: gate, fanout: fanout, queueLimit: settings.webSocketQueueLimit, maxMessageSize: settings.webSocketMaxFrameSize,
        idleTimeout: idleTimeout, maxSocketsPerUser: settings.webSocketMaxSocketsPerUser, counters: counters, events: eventLog)

    let routes = APIRoutes(router: Router(context: AppRequestContext.self, options: [.autoGenerateHeadEndpoints]), table: RouteTable())
    // CORS outermost, so that error answers carry its headers too (browsers hide them otherwise).
    routes.router.add(middleware: AllowedOriginsCORSMiddleware(allowedOrigins: Set(settings.corsAllowedOrigins)))
    routes.router.add(middleware: JSONErrorMiddleware())
    routes.router.add(middleware: RouteTableMiddleware(table: routes.table) { _ = try await api.caller(of: $0) })
    HealthController(store: store, broker: broker).register(on: routes)
    if settings.role.servesHTTP {
        AuthController(api: api).register(on: routes)
        UserController(api: api).register(on: routes)
        InterestController(api: api).register(on: routes)
        ConversationController(api: api, conversations: conversations).register(on: routes)
        EventController(api: api, events: eventLog).register(on: routes)
        // The documentation belongs with the API it documents (nginx sends /swagger/ to web).
        SwaggerController(table: routes.table, localUIDirectory: settings.swaggerUIDirectory, maxMessageLength: settings.maxMessageLength)
            .register(on: routes)
    }

    let webSocketRouter = Router(context: AppRequestContext.self)
    if !settings.role.servesWebSocket {
        // ws processes serve the socket; the documentation served here still describes it.
        routes.table.addServedElsewhere(.init(method: .get, path: "/ws/", slashOptional: true, doc: Docs.webSocket))
    }
    if settings.role.servesWebSocket {
        // A GET of /ws/ that is not a WebSocket upgrade: 403 with the reason. (Refused upgrades
        // are answered before they get here, by HandshakeGateHandler.)
        routes.on(.get, "/ws/", slashOptional: true, doc: Docs.webSocket) { request, _ in
            let reason: String = switch await gate.admit(request) {
            case .success: "A WebSocket upgrade is required."
            case .failure(.origin): "Origin not allowed."
            case .failure(.tooManySockets): "Too many open sockets for this user."
            case .failure: "Authentication credentials were not provided or are invalid."
            }
            return .json(.detail(reason), status: .forbidden)
        }
        webSocketRouter.ws("/ws") { request, _ in
            if case .success = await gate.admit(request) { return .upgrade([:]) }
            return .dontUpgrade
        } onUpgrade: { inbound, outbound, context in
            try await socketHandler.run(inbound: inbound, outbound: outbound, context: context)
        }
    }

    let webSocketConfiguration = WebSocketServerConfiguration(
        maxFrameSize: settings.webSocketMaxFrameSize,
        autoPing: pingInterval > 0 ? .enabled(timePeriod: .milliseconds(Int64(pingInterval * 1000))) : .disabled,
        // Text that is not UTF-8 closes with 1007 (RFC 6455 §8.1) instead of being patched up.
        validateUTF8: true)
    let webSocketResponder = webSocketRouter.buildResponder()
    let limits = ConnectionLimits(
        headTimeout: .interval(settings.httpHeadTimeout), bodyTimeout: .interval(settings.httpBodyTimeout),
        keepAliveTimeout: .interval(settings.httpKeepAliveTimeout), maxHeadSize: settings.httpMaxHeadSize)
    let http1 = HTTP1Channel.Configuration(
        httpDecoderConfiguration: .init(maxHeaderFieldSize: limits.maxHeadSize, maxHeaderListSize: limits.maxHeadSize))
    let server = HTTPServerBuilder { responder in
        GatedChildChannel(
            inner: HTTP1WebSocketUpgradeChannel(
                responder: responder, webSocketResponder: webSocketResponder,
                configuration: .init(http1: http1, ws: webSocketConfiguration)),
            gate: gate, limits: limits, admissionTimeout: .interval(settings.webSocketHandshakeTimeout))
    }
    var services: [any Service] = [
        HousekeepingService(store: store, auth: auth, throttles: throttles, logger: logger, now: now),
        EventPruningService(events: eventLog, interval: settings.eventPruneInterval, logger: logger),
    ]
    if let redis = broker as? RedisBroker {
        services.append(BrokerConnectionService(broker: redis))
    }
    let app = Application(
        router: routes.router,
        server: server,
        configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "SwiftChat"),
        services: services,
        logger: logger)
    let runtime = AppRuntime(settings: settings, store: store, broker: broker, auth: auth, socketCounters: counters, routes: routes.table)
    return (app, runtime)
}

/// The configured database (PostgreSQL when `DATABASE_URL` is set, else the SQLite file),
/// migrated (`serve`, `migrate`, `seed` and `move-data` all start here).
public func openStore(_ settings: Settings, logger: Logger) async throws -> any ChatStore {
    let store: any ChatStore
    if let url = settings.databaseURL {
        let postgres = PostgresStore(
            url: url, maximumConnections: settings.databaseConnections, operationTimeout: .seconds(settings.databaseTimeout), logger: logger)
        do {
            // A server starting with its database (compose, systemd) gets a moment to wait for it.
            try await postgres.waitUntilReachable(timeout: .seconds(settings.databaseStartupWait))
        } catch {
            await postgres.close()
            throw error
        }
        store = postgres
    } else {
        store = try SQLiteStore(path: settings.databasePath)
    }
    do {
        try await store.migrate()
    } catch {
        await store.close()
        throw error
    }
    return store
}

/// Redis when `REDIS_URL` is set, else the in-process broker. The first connections are made
/// here, so that a socket accepted right after start already hears publications of other
/// processes; if Redis is down, the server starts anyway and the broker keeps trying.
func makeBroker(_ settings: Settings, subscribers: LocalFanout, logger: Logger) async -> any Broker {
    guard let endpoint = settings.redisEndpoint else { return InProcessBroker(subscribers: subscribers) }
    let broker = RedisBroker(
        endpoint: endpoint, channel: settings.redisChannel, listens: settings.role.servesWebSocket, subscribers: subscribers, logger: logger)
    await broker.connect()
    return broker
}

/// The admin from the settings and the demo users, created if missing.
@discardableResult
public func seedAccounts(
    store: any ChatStore, settings: Settings, passwords: PasswordHasher, logger: Logger, now: @escaping @Sendable () -> Date = Date.init
) async throws -> Seeder.Outcome {
    try await Seeder(store: store, passwords: passwords, logger: logger, now: now).seed(
        admin: settings.adminPhone.map { Seeder.Admin(phone: $0, password: settings.adminPassword ?? "") },
        demoUsers: settings.seedDemoUsers)
}

private func makeSender(_ settings: Settings, logger: Logger) -> any OTPSender {
    let template = settings.otpMessage
    switch settings.otpSender {
    case .webhook:
        if let url = settings.otpWebhookURL {
            return WebhookOTPSender(client: .shared, url: url, messageTemplate: template)
        }
    case .twilio:
        if let sid = settings.twilioAccountSID, let token = settings.twilioAuthToken, let from = settings.twilioFromNumber {
            return TwilioOTPSender(
                client: .shared, apiURL: settings.twilioAPIURL, accountSID: sid, authToken: token, fromNumber: from, messageTemplate: template)
        }
    case .log: break
    }
    return LogOTPSender(logger: logger)
}

/// `GET /health/`: 200 only when the database answers; also says whether the cross-process
/// broker is connected.
struct HealthController {
    let store: any ChatStore
    let broker: any Broker

    private var brokerState: String {
        guard let redis = broker as? RedisBroker else { return "in-process" }
        return redis.isConnected ? "connected" : "disconnected"
    }

    func register(on routes: APIRoutes<AppRequestContext>) {
        routes.on(.get, "/health/", slashOptional: true, doc: Docs.health) { _, context in
            do {
                try await store.ping()
                return .json(.object([("status", .string("ok")), ("broker", .string(brokerState))]))
            } catch {
                context.logger.error("health check: database does not answer", metadata: ["error": "\(error)"])
                return .json(.object([("status", .string("unavailable")), ("broker", .string(brokerState))]), status: .serviceUnavailable)
            }
        }
    }
}

/// Keeps the Redis connections up while the application runs.
struct BrokerConnectionService: Service {
    let broker: RedisBroker

    func run() async throws {
        await cancelWhenGracefulShutdown { await broker.run() }
    }
}

/// Now and then deletes expired OTP codes (phones that never come back leave no rows) and
/// aged-out rate limit entries.
struct HousekeepingService: Service {
    let store: any ChatStore
    let auth: AuthService
    let throttles: WriteThrottles
    let logger: Logger
    let now: @Sendable () -> Date

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(600)) }
            } catch {
                return
            }
            auth.purgeRateLimits()
            throttles.purge()
            do {
                _ = try await store.purgeExpiredOTPs(before: now())
            } catch {
                logger.warning("purging expired OTP codes failed", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// Deletes events past both retention bounds (`SWIFTCHAT_EVENT_RETENTION` and
/// `SWIFTCHAT_EVENT_RETENTION_COUNT`) every `SWIFTCHAT_EVENT_PRUNE_INTERVAL`.
struct EventPruningService: Service {
    let events: EventLogService
    let interval: TimeInterval
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
            } catch {
                return
            }
            do {
                let removed = try await events.prune()
                if removed > 0 { logger.info("pruned the event log", metadata: ["events": "\(removed)"]) }
            } catch {
                logger.warning("pruning the event log failed", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// Without `SECRET_KEY`, a random key is made once and kept beside the database, so tokens
/// survive restarts (D4).
enum SecretKeyFile {
    static func loadOrCreate(besideDatabase databasePath: String, logger: Logger) throws -> String {
        let folder = URL(fileURLWithPath: databasePath).deletingLastPathComponent()
        let file = folder.appendingPathComponent("secret_key")
        if FileManager.default.fileExists(atPath: file.path) {
            // Never replaced: a new key would log every user out.
            guard let existing = try? String(contentsOf: file, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines),
                  existing.utf8.count >= 32
            else { throw ConfigurationError("SECRET_KEY", "unset, and \(file.path) is unreadable or shorter than 32 bytes") }
            return existing
        }
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<48).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let key = Data(bytes).base64EncodedString()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: file.path, contents: Data(key.utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ConfigurationError("SECRET_KEY", "unset, and a generated key cannot be stored at \(file.path)")
        }
        logger.notice("SECRET_KEY is not set: generated one and stored it beside the database", metadata: ["file": "\(file.path)"])
        return key
    }
}
