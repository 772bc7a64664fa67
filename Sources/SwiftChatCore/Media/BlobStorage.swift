import Foundation
import ServiceLifecycle

/// Where attachment bytes live: a folder on local disk (the embedded default) or an
/// S3-compatible bucket. Keys are made by the server (`BlobKey`), never from a client's file
/// name, so no key can leave its folder or bucket.
public protocol BlobStorage: Sendable {
    /// `disk` or `s3`, for `/health/` and logs.
    var kind: String { get }
    /// Starts a new blob under `key`. Nothing is visible under the key until `finish()`
    /// succeeds; `abort()` leaves nothing behind.
    func beginUpload(key: String, contentType: String) async throws -> any BlobUpload
    /// The blob's bytes in order, `range` (inclusive offsets) or all of them, in chunks of a
    /// bounded size. Throws `BlobStorageError.notFound` for a missing key.
    func read(key: String, range: ClosedRange<Int64>?) async throws -> AsyncThrowingStream<Data, any Error>
    /// The blob's size, nil when there is none under the key.
    func size(of key: String) async throws -> Int64?
    /// Removes the blob; a missing key is not an error.
    func delete(key: String) async throws
    /// A URL a client may fetch the blob from directly, valid for `lifetime` (S3's presigned
    /// GET, with the answer's type and disposition fixed by the signature); nil when the
    /// storage has none and the server streams the blob itself (local disk).
    func directDownloadURL(key: String, contentType: String, contentDisposition: String, lifetime: TimeInterval, now: Date) -> URL?
    /// The form a client posts a file to directly (S3's presigned POST policy): the file must
    /// be stored under `key`, no larger than `maxSize`; nil when the storage has none.
    func directUploadForm(key: String, maxSize: Int64, expiresAt: Date, now: Date) -> DirectUploadForm?
    /// The file of the blob on this machine, for storages that have one (local disk).
    func localFilePath(key: String) -> String?
}

/// One blob being written, in order. Calls are not concurrent.
public protocol BlobUpload: Sendable {
    /// Adds the next bytes. Memory held by the upload stays bounded (an S3 part at most).
    func append(_ chunk: Data) async throws
    /// Makes the blob visible under its key.
    func finish() async throws
    /// Drops whatever was written; safe after a failure and more than once.
    func abort() async
}

/// A presigned POST: `fields` first, then the file as the field `file`, posted to `url`.
public struct DirectUploadForm: Sendable, Equatable {
    public var url: URL
    public var fields: [(String, String)]

    public init(url: URL, fields: [(String, String)]) {
        self.url = url
        self.fields = fields
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.url == rhs.url && lhs.fields.elementsEqual(rhs.fields, by: { $0 == $1 })
    }
}

public enum BlobStorageError: Error, Equatable {
    case notFound
    /// The storage refused or failed a request; the text is for logs, not for clients.
    case failed(String)
}
