import Foundation

/// Reading a user's event log (`GET /api/v2/events/` and `chat_stream`), and pruning it.
public struct EventLogService: Sendable {
    public struct Retention: Sendable {
        public var age: TimeInterval
        public var count: Int

        public init(age: TimeInterval, count: Int) {
            self.age = age
            self.count = count
        }
    }

    /// What a read after `since` found.
    public enum Read: Sendable, Equatable {
        case events(EventSlice)
        /// Events after `since` were pruned: the client reloads and resubscribes.
        case resyncRequired(oldestSeq: Int64)
    }

    let store: any ChatStore
    public let retention: Retention
    /// Adds each reader's own download links to the attachments events carry.
    let attachmentLinks: AttachmentLinkSigner?
    let now: @Sendable () -> Date
    public let reads = EventLogReadCounter()
    private let epochCache = EpochCache()

    public init(
        store: any ChatStore, retention: Retention, attachmentLinks: AttachmentLinkSigner? = nil, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.retention = retention
        self.attachmentLinks = attachmentLinks
        self.now = now
    }

    public func epoch() async throws -> String {
        try await epochCache.value {
            reads.add()
            return try await store.epoch()
        }
    }

    public func read(of user: UserID, since: Int64, limit: Int) async throws -> Read {
        reads.add()
        var slice = try await store.events(of: user, after: since, limit: limit)
        // Seqs after `since` must all still be there: the first kept one follows it at once.
        if since < slice.latestSeq && since + 1 < slice.oldestSeq { return .resyncRequired(oldestSeq: slice.oldestSeq) }
        if let attachmentLinks {
            let date = now()
            for index in slice.events.indices where [.messageCreated, .messageUpdated].contains(slice.events[index].type) {
                slice.events[index].data = attachmentLinks.addingLinks(toEventData: slice.events[index].data, viewer: user, now: date)
            }
        }
        return .events(slice)
    }

    /// Prunes in bounded batches until nothing more is due; returns how many went.
    @discardableResult
    public func prune(batch: Int = 10_000) async throws -> Int {
        var total = 0
        let cutoff = now().addingTimeInterval(-retention.age)
        while true {
            let removed = try await store.pruneEvents(before: cutoff, keepingLast: retention.count, batch: batch)
            total += removed
            if removed < batch { return total }
        }
    }
}
