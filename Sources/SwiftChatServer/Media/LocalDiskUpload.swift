import Foundation
import SwiftChatCore

/// One file being written by `LocalDiskBlobStorage`.
final class LocalDiskUpload: BlobUpload, @unchecked Sendable {
    // Used by one request's task at a time (the `BlobUpload` contract), never concurrently.
    private var descriptor: Int32
    private let temporaryPath: String
    private let targetPath: String

    init(descriptor: Int32, temporaryPath: String, targetPath: String) {
        self.descriptor = descriptor
        self.temporaryPath = temporaryPath
        self.targetPath = targetPath
    }

    func append(_ chunk: Data) async throws {
        try chunk.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw BlobStorageError.failed("write failed: errno \(errno)")
                }
                offset += written
            }
        }
    }

    func finish() async throws {
        // On disk before the attachment is acknowledged: no accepted file is lost to a crash.
        guard fsync(descriptor) == 0 else { throw BlobStorageError.failed("fsync failed: errno \(errno)") }
        close(descriptor)
        descriptor = -1
        let folder = (targetPath as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        guard rename(temporaryPath, targetPath) == 0 else { throw BlobStorageError.failed("rename failed: errno \(errno)") }
        let directory = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }

    func abort() async {
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
        }
        unlink(temporaryPath)
    }

    deinit {
        if descriptor >= 0 {
            close(descriptor)
            unlink(temporaryPath)
        }
    }
}
