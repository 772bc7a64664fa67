import Foundation
import SwiftChatCore

/// Attachments as files under one folder: `<folder>/<key>`. A blob is written to a temporary
/// file in `<folder>/tmp/`, flushed to disk, then renamed into place, so a key names either a
/// whole file or nothing, and a crash leaves only temporary files (removed at start).
struct LocalDiskBlobStorage: BlobStorage {
    let root: String
    var kind: String { "disk" }
    /// Bytes per chunk when reading.
    static let chunkSize = 256 * 1024

    init(root: String) throws {
        self.root = root
        let manager = FileManager.default
        try manager.createDirectory(atPath: root + "/tmp", withIntermediateDirectories: true)
        for leftover in (try? manager.contentsOfDirectory(atPath: root + "/tmp")) ?? [] {
            try? manager.removeItem(atPath: root + "/tmp/" + leftover)
        }
    }

    func path(of key: String) throws -> String {
        guard BlobKey.isWellFormed(key) else { throw BlobStorageError.failed("not a storage key: \(key)") }
        return root + "/" + key
    }

    func beginUpload(key: String, contentType: String) async throws -> any BlobUpload {
        let target = try path(of: key)
        let temporary = root + "/tmp/" + UUID().uuidString
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw BlobStorageError.failed("cannot create \(temporary): errno \(errno)") }
        return LocalDiskUpload(descriptor: descriptor, temporaryPath: temporary, targetPath: target)
    }

    func read(key: String, range: ClosedRange<Int64>?) async throws -> AsyncThrowingStream<Data, any Error> {
        let handle: FileHandle
        do { handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: try path(of: key))) } catch { throw BlobStorageError.notFound }
        let start = range?.lowerBound ?? 0
        var remaining = range.map { $0.upperBound - $0.lowerBound + 1 } ?? Int64.max
        try handle.seek(toOffset: UInt64(start))
        return AsyncThrowingStream { () async throws -> Data? in
            guard remaining > 0 else {
                try? handle.close()
                return nil
            }
            let chunk = try handle.read(upToCount: Int(min(Int64(Self.chunkSize), remaining))) ?? Data()
            if chunk.isEmpty {
                try? handle.close()
                return nil
            }
            remaining -= Int64(chunk.count)
            return chunk
        }
    }

    func size(of key: String) async throws -> Int64? {
        let attributes = try? FileManager.default.attributesOfItem(atPath: try path(of: key))
        return (attributes?[.size] as? NSNumber)?.int64Value
    }

    func delete(key: String) async throws {
        let target = try path(of: key)
        if unlink(target) != 0 && errno != ENOENT { throw BlobStorageError.failed("cannot delete \(key): errno \(errno)") }
    }

    func directDownloadURL(key: String, contentType: String, contentDisposition: String, lifetime: TimeInterval, now: Date) -> URL? { nil }

    func directUploadForm(key: String, maxSize: Int64, expiresAt: Date, now: Date) -> DirectUploadForm? { nil }

    func localFilePath(key: String) -> String? { try? path(of: key) }
}
