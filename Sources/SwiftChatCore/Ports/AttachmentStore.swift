import Foundation

/// Attachments' rows, and the queue of blobs to delete. Deleting an attachment row, directly or
/// by cascade (its message, conversation, interest or uploader gone), queues its blobs in the
/// same transaction (a trigger in both databases), so no delete can forget a blob; the sweeper
/// drains the queue.
public protocol AttachmentStore: Sendable {
    /// Throws `StoreError.limitReached` when the uploader's attachments would then hold more than
    /// `quota` bytes (checked inside the write, so concurrent uploads cannot pass it together).
    /// A pending deletion of the key (a presigned upload's) is cancelled in the same write.
    func createAttachment(_ attachment: NewAttachment, quota: Int64, at date: Date) async throws -> Attachment
    func attachment(id: AttachmentID) async throws -> Attachment?
    /// The attachments of these messages, in each message's order.
    func attachments(ofMessages ids: [ChatMessageID]) async throws -> [ChatMessageID: [Attachment]]
    /// Bytes held by the user's attachments, attached or not.
    func storageUsed(by user: UserID) async throws -> Int64
    func setThumbnail(of id: AttachmentID, _ thumbnail: Attachment.Thumbnail) async throws -> Bool
    /// Deletes attachments no message took that were made before `date` (their blobs queued).
    func deleteUnattached(before date: Date, limit: Int) async throws -> Int
    /// Queues a blob's deletion for `due` (a presigned upload's key, in case it is never completed).
    func scheduleBlobDeletion(key: String, due: Date) async throws
    /// Keys whose deletion is due, oldest first.
    func dueBlobDeletions(at date: Date, limit: Int) async throws -> [String]
    /// Called once the blob is gone from the storage.
    func forgetBlobDeletion(key: String) async throws
    /// Attachments (`count`, bytes) in all, for `/health/` and the admin.
    func attachmentTotals() async throws -> (count: Int, bytes: Int64)
}
