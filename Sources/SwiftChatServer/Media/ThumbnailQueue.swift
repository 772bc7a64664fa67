import Foundation
import Logging
import ServiceLifecycle
import SwiftChatCore

/// Makes thumbnails of new images, one at a time, off the request path: the upload is answered
/// at once and the thumbnail route serves the image itself until its thumbnail exists. The queue
/// is bounded; an image that finds it full keeps no thumbnail (clients scale the image).
final class ThumbnailQueue: Service, Sendable {
    private let store: any ChatStore
    private let storage: any BlobStorage
    private let maker: ThumbnailMaker
    private let logger: Logger
    private let pending: AsyncStream<Attachment>
    private let intake: AsyncStream<Attachment>.Continuation
    static let capacity = 256
    /// The largest image handed to the tool.
    static let maxSourceSize: Int64 = 64 << 20

    init(store: any ChatStore, storage: any BlobStorage, maker: ThumbnailMaker, logger: Logger) {
        self.store = store
        self.storage = storage
        self.maker = maker
        self.logger = logger
        (pending, intake) = AsyncStream.makeStream(of: Attachment.self, bufferingPolicy: .bufferingOldest(Self.capacity))
    }

    func enqueue(_ attachment: Attachment) {
        guard attachment.size <= Self.maxSourceSize else { return }
        if case .dropped = intake.yield(attachment) {
            logger.info("thumbnail queue full; the image is shown scaled", metadata: ["attachment": "\(attachment.id)"])
        }
    }

    func run() async throws {
        await cancelWhenGracefulShutdown {
            for await attachment in self.pending {
                await self.makeThumbnail(of: attachment)
            }
        }
    }

    func makeThumbnail(of attachment: Attachment) async {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("swiftchat-thumb-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            let source: String
            if let local = storage.localFilePath(key: attachment.storageKey) {
                source = local
            } else {
                source = folder.appendingPathComponent("source").path
                try await download(attachment.storageKey, to: source)
            }
            let output = folder.appendingPathComponent("thumb.jpg").path
            let size = try await maker.makeThumbnail(of: source, to: output)
            let key = BlobKey.thumbnail(of: attachment.storageKey)
            let upload = try await storage.beginUpload(key: key, contentType: "image/jpeg")
            do {
                try await upload.append(try Data(contentsOf: URL(fileURLWithPath: output)))
                try await upload.finish()
            } catch {
                await upload.abort()
                throw error
            }
            if try await !store.setThumbnail(of: attachment.id, .init(storageKey: key, width: size.width, height: size.height)) {
                // The attachment went meanwhile, or has a thumbnail already.
                try? await storage.delete(key: key)
            }
        } catch {
            logger.info("no thumbnail made", metadata: ["attachment": "\(attachment.id)", "error": "\(error)"])
        }
    }

    private func download(_ key: String, to path: String) async throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
            throw BlobStorageError.failed("cannot write \(path)")
        }
        defer { try? handle.close() }
        for try await chunk in try await storage.read(key: key, range: nil) { try handle.write(contentsOf: chunk) }
    }
}
