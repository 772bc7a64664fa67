import Synchronization

/// The bench posts that the server answered 201, by group, and the deliveries they are owed
/// (one per member's socket): what every socket is checked against once the posts are done.
final class PostLedger: Sendable {
    private let answered: Mutex<[Set<Int>]>
    private let failure = Mutex<String?>(nil)
    let deliveriesOwed = Tally()

    init(groups: Int) {
        answered = Mutex(Array(repeating: [], count: groups))
    }

    func record(_ post: Int, in group: Int, members: Int) {
        answered.withLock { _ = $0[group].insert(post) }
        deliveriesOwed.add(members)
    }

    /// Keeps the first failed post's answer or error, for the report.
    func noteFailure(_ description: String) {
        failure.withLock { if $0 == nil { $0 = description } }
    }

    /// "first failed post: …", if a post failed.
    var failureNote: String? { failure.withLock { $0 }.map { "first failed post: \($0)" } }

    func answered(in group: Int) -> Set<Int> { answered.withLock { $0[group] } }
    var count: Int { answered.withLock { $0.reduce(0) { $0 + $1.count } } }
}
