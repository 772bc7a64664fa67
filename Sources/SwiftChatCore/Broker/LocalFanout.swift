import Logging
import Synchronization

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
