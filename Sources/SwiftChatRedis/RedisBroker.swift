import Logging
import RedisClient
import ServiceLifecycle
import SwiftChatCore
import Synchronization

/// Publications travel through one Redis pub/sub channel, so that a write in any process
/// reaches the sockets of every process (the role of the original's Redis channel layer).
///
/// Each process publishes on one connection and, when it holds sockets, listens on another;
/// `run()` keeps both up, reconnecting with backoff. A publication Redis cannot take is counted
/// and logged and still reaches this process's own sockets; the write it describes has already
/// committed, so the HTTP answer is unaffected.
public final class RedisBroker: Broker {
    public let subscribers: LocalFanout
    public var reachesOtherProcesses: Bool { true }
    private let endpoint: RedisEndpoint
    public let channel: String
    private let listens: Bool
    private let logger: Logger
    private let publisher = Mutex<RedisConnection?>(nil)
    /// True while the subscription is open (never, in a process that does not listen).
    private let subscribed = Mutex(false)
    /// The subscription made by `start()`, taken over by `run()`.
    private let firstSubscription = Mutex<RedisSubscription?>(nil)

    /// `listens`: this process holds sockets and subscribes to the channel.
    public init(endpoint: RedisEndpoint, channel: String, listens: Bool, subscribers: LocalFanout, logger: Logger) {
        self.endpoint = endpoint
        self.channel = channel
        self.listens = listens
        self.subscribers = subscribers
        self.logger = logger
    }

    private var counters: DeliveryCounters { subscribers.counters }

    public func publish(_ publication: Publication) async {
        // While this process is not subscribed, Redis cannot echo the publication back to its
        // own sockets: they are told here instead.
        let echoed = !listens || subscribed.withLock { $0 }
        // Fails fast while disconnected: a request never waits for Redis to come back.
        guard let connection = publisher.withLock({ $0 }), connection.isOpen else {
            publishFailed(publication, reason: "not connected to Redis")
            return
        }
        do {
            let receivers = try await connection.publish(PublicationCodec.encode(publication), to: channel, timeout: Self.publishTimeout)
            counters.add(\.published, 1)
            // No receiver at all means this process's own subscription was not in place at
            // Redis (dropped, and not yet noticed here): Redis will not echo it either.
            if !echoed || (listens && receivers == 0) { subscribers.deliver(publication) }
        } catch {
            publishFailed(publication, reason: "\(error)")
        }
    }

    /// A command on the publishing connection (presence uses it); fails at once while disconnected.
    public func command(_ arguments: [String]) async throws -> RESPValue {
        guard let connection = publisher.withLock({ $0 }), connection.isOpen else { throw RedisClientError.connectionClosed }
        let reply = try await connection.send(arguments, timeout: Self.publishTimeout)
        if case .error(let message) = reply { throw RedisClientError.server(message) }
        return reply
    }

    /// Redis answers a PUBLISH in well under a millisecond; a request waits at most this long
    /// for one that does not (the connection is then dropped and rebuilt). Generous, because a
    /// timeout costs every publication until the reconnect, and a busy process can take a
    /// while to read a reply that Redis sent at once.
    private static let publishTimeout: Duration = .seconds(2)

    /// Counts the failure, tells this process's own sockets, and logs: the first failure of an
    /// outage at once, then one summary every `failureLogInterval` (an outage under load
    /// would otherwise log at the write rate).
    private func publishFailed(_ publication: Publication, reason: String) {
        counters.add(\.publishFailures, 1)
        if listens { subscribers.deliver(publication) }
        let now = ContinuousClock.now
        let unlogged = failureLog.withLock { state -> Int? in
            state.unlogged += 1
            if let last = state.lastLogged, now - last < Self.failureLogInterval { return nil }
            defer { state = (now, 0) }
            return state.unlogged
        }
        guard let unlogged else { return }
        logger.error(
            "notifications not published to Redis; sockets held by other processes miss them",
            metadata: ["count": "\(unlogged)", "event": "\(publication.event.notificationText ?? "event log wake-up")", "reason": "\(reason)"])
    }

    private static let failureLogInterval: Duration = .seconds(10)
    private let failureLog = Mutex<(lastLogged: ContinuousClock.Instant?, unlogged: Int)>((nil, 0))

    /// Makes the first connections, so that publications flow from the start; if Redis is down,
    /// `run()` keeps trying.
    public func start() async {
        do {
            let connection = try await connectPublisher()
            publisher.withLock { $0 = connection }
            if listens {
                let subscription = try await RedisSubscription.subscribe(to: [channel], at: endpoint, logger: logger)
                firstSubscription.withLock { $0 = subscription }
                subscribed.withLock { $0 = true }
            }
        } catch {
            counters.add(\.connectionFailures, 1)
            logger.error("Redis unavailable at start; notifications reach only this process's sockets until it is back",
                metadata: ["redis": "\(endpoint)", "error": "\(error)"])
        }
    }

    /// A connection that has answered a PING: a server that accepts and then hangs up (too many
    /// clients, protected mode) counts as a failure, not as a connection.
    private func connectPublisher() async throws -> RedisConnection {
        let connection = try await RedisConnection.connect(to: endpoint, logger: logger)
        do {
            _ = try await connection.send(["PING"])
            return connection
        } catch {
            await connection.close()
            throw error
        }
    }

    /// Closes what `start()` opened and `run()` did not take over.
    public func stop() async {
        await publisher.withLock { $0 }?.close()
        await firstSubscription.withLock { $0.take() }?.close()
    }

    /// Keeps the connections up until the application shuts down (or the task is cancelled).
    public func run() async {
        await cancelWhenGracefulShutdown { await self.keepConnected() }
    }

    private func keepConnected() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.keepPublisherConnected() }
            if listens {
                group.addTask { await self.keepSubscribed() }
            }
        }
    }

    public var isPublisherConnected: Bool { publisher.withLock { $0?.isOpen ?? false } }

    /// Both links this process needs are up.
    public var isConnected: Bool { isPublisherConnected && (!listens || subscribed.withLock { $0 }) }

    public var health: BrokerHealth { isConnected ? .connected : .disconnected }

    private func keepPublisherConnected() async {
        await reconnecting(role: "publisher") {
            if let connection = self.publisher.withLock({ $0 }), connection.isOpen { return connection }
            return try await self.connectPublisher()
        } use: { connection in
            self.publisher.withLock { $0 = connection }
            defer { self.publisher.withLock { $0 = nil } }
            await withTaskCancellationHandler {
                await connection.waitUntilClosed()
            } onCancel: {
                Task { await connection.close() }
            }
        }
    }

    private func keepSubscribed() async {
        await reconnecting(role: "subscriber") {
            if let subscription = self.firstSubscription.withLock({ $0.take() }) { return subscription }
            return try await RedisSubscription.subscribe(to: [self.channel], at: self.endpoint, logger: self.logger)
        } use: { subscription in
            self.subscribed.withLock { $0 = true }
            defer { self.subscribed.withLock { $0 = false } }
            // Wake-ups published while this process was not subscribed never arrive: every
            // chat_stream reads its log once now instead.
            self.subscribers.wakeEventLogs()
            try await withTaskCancellationHandler {
                for try await message in subscription.messages {
                    self.receive(message.payload)
                }
            } onCancel: {
                Task { await subscription.close() }
            }
        }
    }

    private func receive(_ payload: [UInt8]) {
        guard let publication = PublicationCodec.decode(payload) else {
            counters.add(\.malformed, 1)
            logger.warning("ignored a message on the notification channel that is not a publication", metadata: ["channel": "\(channel)"])
            return
        }
        subscribers.deliver(publication)
        // Counted once handed to the sockets, so that "received" means "queued for delivery".
        counters.add(\.received, 1)
    }

    /// Connects and uses the link until it ends, again and again, waiting with backoff between
    /// attempts, until cancelled. Logs the start and the end of an outage, not every attempt.
    private func reconnecting<Link: Sendable>(
        role: String, connect: @Sendable () async throws -> Link, use: @Sendable (Link) async throws -> Void
    ) async {
        let metadata: Logger.Metadata = ["connection": "\(role)", "redis": "\(endpoint)"]
        var backoff = Backoff()
        var outage = false
        while !Task.isCancelled {
            do {
                let link = try await connect()
                if outage { logger.notice("Redis reachable again", metadata: metadata) }
                outage = false
                let connected = ContinuousClock.now
                try await use(link)
                if Task.isCancelled { return }
                logger.warning("Redis connection lost", metadata: metadata)
                outage = true
                // A link that dropped at once does not reset the backoff: a server that keeps
                // accepting and closing is retried ever more slowly, not every 100 ms.
                if ContinuousClock.now - connected > .seconds(5) { backoff.reset() }
            } catch {
                if Task.isCancelled { return }
                counters.add(\.connectionFailures, 1)
                if !outage { logger.error("Redis unavailable", metadata: metadata.merging(["error": "\(error)"]) { $1 }) }
                outage = true
            }
            try? await Task.sleep(for: backoff.nextDelay())
        }
    }
}
