import Logging
import RedisClient
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
    private let channel: String
    private let listens: Bool
    private let logger: Logger
    private let publisher = Mutex<RedisConnection?>(nil)
    /// The subscription made by `connect()`, taken over by `run()`.
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
        // Fails fast while disconnected: a request never waits for Redis to come back.
        guard let connection = publisher.withLock({ $0 }), connection.isOpen else {
            publishFailed(publication, reason: "not connected to Redis")
            return
        }
        do {
            _ = try await connection.publish(PublicationCodec.encode(publication), to: channel)
            counters.add(\.published, 1)
        } catch {
            publishFailed(publication, reason: "\(error)")
        }
    }

    private func publishFailed(_ publication: Publication, reason: String) {
        counters.add(\.publishFailures, 1)
        logger.error(
            "notification not published to Redis; sockets held by other processes miss it",
            metadata: ["event": "\(publication.event.notificationText)", "topics": "\(publication.topics)", "reason": "\(reason)"])
        if listens { subscribers.deliver(publication) }
    }

    /// Makes the first connections, so that publications flow from the start; if Redis is down,
    /// `run()` keeps trying.
    public func connect() async {
        do {
            let connection = try await RedisConnection.connect(to: endpoint, logger: logger)
            publisher.withLock { $0 = connection }
            if listens {
                let subscription = try await RedisSubscription.subscribe(to: [channel], at: endpoint, logger: logger)
                firstSubscription.withLock { $0 = subscription }
            }
        } catch {
            counters.add(\.connectionFailures, 1)
            logger.error("Redis unavailable at start; notifications reach only this process's sockets until it is back",
                metadata: ["redis": "\(endpoint)", "error": "\(error)"])
        }
    }

    /// Closes what `connect()` opened and `run()` did not take over.
    public func close() async {
        await publisher.withLock { $0 }?.close()
        await firstSubscription.withLock { $0.take() }?.close()
    }

    /// Keeps the connections up until the task is cancelled.
    public func run() async {
        await withDiscardingTaskGroup { group in
            group.addTask { await self.keepPublisherConnected() }
            if listens {
                group.addTask { await self.keepSubscribed() }
            }
        }
    }

    /// Waits until this process can publish (tests and start-up checks).
    public var isPublisherConnected: Bool { publisher.withLock { $0?.isOpen ?? false } }

    private func keepPublisherConnected() async {
        await reconnecting(role: "publisher") {
            if let connection = self.publisher.withLock({ $0 }), connection.isOpen { return connection }
            return try await RedisConnection.connect(to: self.endpoint, logger: self.logger)
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
        counters.add(\.received, 1)
        subscribers.deliver(publication)
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
                backoff.reset()
                try await use(link)
                if Task.isCancelled { return }
                logger.warning("Redis connection lost", metadata: metadata)
                outage = true
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
