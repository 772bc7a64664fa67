import Logging
import Synchronization

/// Carries publications to the sockets subscribed to their topics, in this process or in
/// every process (a cross-process broker such as Redis).
public protocol Broker: Sendable {
    /// True when a publication reaches subscribers in other processes too.
    var reachesOtherProcesses: Bool { get }
    /// Called only after the write the publication describes has committed. Never throws and
    /// never waits on a subscriber: failures are counted and logged.
    func publish(_ publication: Publication) async
    /// The local fan-out that sockets of this process subscribe to.
    var subscribers: LocalFanout { get }
}

/// Receives rendered frames for one socket. `offer` must not block: it returns false when the
/// socket's queue is full, and the socket is then closed by its owner.
public protocol EventSink: AnyObject, Sendable {
    func offer(_ frame: RenderedEvent) -> Bool
}

/// An event rendered once per publication and shared by every recipient.
public struct RenderedEvent: Sendable {
    public let event: ChatEvent
    public let text: String
}

/// Topic -> sockets of this process. Renders each publication once and hands the same bytes
/// to every sink, counting what it could not deliver.
public final class LocalFanout: Sendable {
    private let sinks = Mutex<[Topic: [ObjectIdentifier: any EventSink]]>([:])
    private let render: @Sendable (ChatEvent) -> String
    private let logger: Logger
    public let counters = DeliveryCounters()

    public init(logger: Logger, render: @escaping @Sendable (ChatEvent) -> String) {
        self.logger = logger
        self.render = render
    }

    public func subscribe(_ sink: any EventSink, to topic: Topic) {
        sinks.withLock { $0[topic, default: [:]][ObjectIdentifier(sink)] = sink }
        counters.add(\.subscriptions, 1)
    }

    public func unsubscribe(_ sink: any EventSink, from topic: Topic) {
        let removed = sinks.withLock { table -> Bool in
            guard table[topic]?.removeValue(forKey: ObjectIdentifier(sink)) != nil else { return false }
            if table[topic]?.isEmpty == true { table[topic] = nil }
            return true
        }
        if removed { counters.add(\.subscriptions, -1) }
    }

    /// Wakes every `chat_stream` of this process: after the cross-process broker was away,
    /// wake-ups may have been missed, and each stream reads its log from where it is.
    public func wakeEventLogs() {
        let wake = RenderedEvent(event: .eventLogAppended, text: "")
        let targets = sinks.withLock { table in table.filter { $0.key.isEventLog }.flatMap { $0.value.values } }
        for sink in targets { _ = sink.offer(wake) }
    }

    /// Delivers to the sockets of this process.
    public func deliver(_ publication: Publication) {
        let rendered = RenderedEvent(event: publication.event, text: render(publication.event))
        for topic in publication.topics {
            let targets = sinks.withLock { Array(($0[topic] ?? [:]).values) }
            for sink in targets {
                if sink.offer(rendered) {
                    counters.add(\.delivered, 1)
                } else {
                    counters.add(\.overflowed, 1)
                    logger.warning("notification not queued: socket queue full, closing it", metadata: ["topic": "\(topic)"])
                }
            }
        }
    }
}

/// Delivery counts: nothing is dropped without being counted here.
public final class DeliveryCounters: Sendable {
    public struct Snapshot: Sendable, Equatable {
        public var subscriptions = 0
        public var delivered = 0
        public var overflowed = 0
        /// Publications handed to a cross-process broker (Redis), and those it could not take.
        public var published = 0
        public var publishFailures = 0
        /// Publications that arrived from the cross-process broker, and those that could not be read.
        public var received = 0
        public var malformed = 0
        /// Failed attempts to reach the cross-process broker.
        public var connectionFailures = 0
    }

    private let state = Mutex(Snapshot())

    public init() {}

    public func add(_ field: WritableKeyPath<Snapshot, Int>, _ amount: Int) {
        state.withLock { $0[keyPath: field] += amount }
    }

    public var snapshot: Snapshot { state.withLock { $0 } }
}

/// The embedded default: publications go straight to this process's sockets.
public struct InProcessBroker: Broker {
    public let subscribers: LocalFanout

    public init(subscribers: LocalFanout) {
        self.subscribers = subscribers
    }

    public var reachesOtherProcesses: Bool { false }

    public func publish(_ publication: Publication) async {
        subscribers.deliver(publication)
    }
}
