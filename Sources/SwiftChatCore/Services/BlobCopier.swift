import Foundation

/// Copies the blobs of every attachment a store holds (files and thumbnails) from one storage
/// into another, as when an install's media folder moves into an S3 bucket. A blob the
/// destination already holds at the same size is left alone, so a copy cut short can simply run
/// again; each copied blob is checked by size.
public struct BlobCopier: Sendable {
    public struct Summary: Sendable, Equatable, CustomStringConvertible {
        public var copied = 0
        public var alreadyThere = 0
        public var bytes: Int64 = 0
        /// Keys a row names but the source does not hold (lost before the copy).
        public var missing: [String] = []

        public var description: String {
            "\(copied) blobs copied (\(bytes) bytes), \(alreadyThere) already there, \(missing.count) missing from the source"
        }
    }

    public struct SizeMismatch: Error, CustomStringConvertible {
        public let key: String
        public let expected: Int64
        public let found: Int64?
        public var description: String { "the copy of \(key) holds \(found.map(String.init) ?? "nothing"), not \(expected) bytes" }
    }

    let store: any ChatStore
    let source: any BlobStorage
    let destination: any BlobStorage
    let batchSize: Int

    public init(store: any ChatStore, from source: any BlobStorage, to destination: any BlobStorage, batchSize: Int = 200) {
        self.store = store
        self.source = source
        self.destination = destination
        self.batchSize = batchSize
    }

    /// `progress` hears the running summary after each batch of rows.
    public func copyAll(progress: @Sendable (Summary) -> Void = { _ in }) async throws -> Summary {
        let table = TransferTable.attachments
        let columns = table.columns.map(\.name)
        guard let keyColumn = columns.firstIndex(of: "storage_key"), let typeColumn = columns.firstIndex(of: "mime_type"),
              let thumbnailColumn = columns.firstIndex(of: "thumbnail_key")
        else { preconditionFailure("the attachments table lost a column BlobCopier reads") }
        var summary = Summary()
        var last: [TransferValue]?
        while true {
            let rows = try await store.rows(of: table, after: last, limit: batchSize)
            guard let tail = rows.last else { return summary }
            for row in rows {
                if case .text(let key) = row[keyColumn], case .text(let type) = row[typeColumn] {
                    try await copy(key, type: type, into: &summary)
                }
                if case .text(let thumbnail) = row[thumbnailColumn] {
                    try await copy(thumbnail, type: "image/jpeg", into: &summary)
                }
            }
            last = Array(tail.prefix(table.keyCount))
            progress(summary)
        }
    }

    private func copy(_ key: String, type: String, into summary: inout Summary) async throws {
        guard let size = try await source.size(of: key) else {
            summary.missing.append(key)
            return
        }
        if try await destination.size(of: key) == size {
            summary.alreadyThere += 1
            return
        }
        let upload = try await destination.beginUpload(key: key, contentType: type)
        do {
            for try await chunk in try await source.read(key: key, range: nil) {
                try await upload.append(chunk)
            }
            try await upload.finish()
        } catch {
            await upload.abort()
            throw error
        }
        let copied = try await destination.size(of: key)
        guard copied == size else { throw SizeMismatch(key: key, expected: size, found: copied) }
        summary.copied += 1
        summary.bytes += size
    }
}
