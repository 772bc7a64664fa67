import Synchronization

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
