import Synchronization

/// Store reads made on behalf of event-log readers (`chat_stream` sockets and
/// `GET /api/v2/events/`). The health route shows the total, so that the bench can state what a
/// resumed socket costs the database.
public final class EventLogReadCounter: Sendable {
    private let count = Atomic<Int>(0)

    public init() {}

    func add() {
        count.add(1, ordering: .relaxed)
    }

    public var total: Int { count.load(ordering: .relaxed) }
}
