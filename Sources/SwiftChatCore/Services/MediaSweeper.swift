import Foundation
import Logging

/// Removes from the storage what the database no longer wants: the blobs queued when their
/// attachments' rows went (by any delete or cascade), and first the uploads no message took in
/// time (whose rows then queue their blobs the same way). A blob is forgotten only once the
/// storage has deleted it, so a failure is retried on the next round.
public struct MediaSweeper: Sendable {
    let store: any ChatStore
    let storage: any BlobStorage
    let unattachedLifetime: TimeInterval
    let logger: Logger
    let now: @Sendable () -> Date
    static let batch = 200

    public init(store: any ChatStore, storage: any BlobStorage, unattachedLifetime: TimeInterval, logger: Logger, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.storage = storage
        self.unattachedLifetime = unattachedLifetime
        self.logger = logger
        self.now = now
    }

    /// One round, in bounded batches until nothing is due; answers how many blobs went.
    @discardableResult
    public func sweep() async throws -> Int {
        while try await store.deleteUnattached(before: now().addingTimeInterval(-unattachedLifetime), limit: Self.batch) == Self.batch {}
        var removed = 0
        while true {
            let keys = try await store.dueBlobDeletions(at: now(), limit: Self.batch)
            var failed = 0
            for key in keys {
                do {
                    try await storage.delete(key: key)
                    try await store.forgetBlobDeletion(key: key)
                    removed += 1
                } catch {
                    failed += 1
                    logger.warning("deleting a stored file failed; it is tried again later", metadata: ["key": "\(key)", "error": "\(error)"])
                }
            }
            if keys.count < Self.batch || failed > 0 { return removed }
        }
    }
}
