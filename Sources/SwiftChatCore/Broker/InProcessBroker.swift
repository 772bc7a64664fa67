import ServiceLifecycle

/// The embedded default: publications go straight to this process's sockets.
public struct InProcessBroker: Broker {
    public let subscribers: LocalFanout

    public init(subscribers: LocalFanout) {
        self.subscribers = subscribers
    }

    public var reachesOtherProcesses: Bool { false }
    public var health: BrokerHealth { .inProcess }

    public func publish(_ publication: Publication) async {
        subscribers.deliver(publication)
    }

    public func start() async {}

    /// Nothing to keep up: waits for the application's shutdown (a service that returned would
    /// end it); cancelled, it returns quietly, as a broker stopping is not a failure.
    public func run() async {
        try? await gracefulShutdown()
    }

    public func stop() async {}
}
