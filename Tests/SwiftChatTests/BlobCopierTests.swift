import Foundation
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// Copying an install's attachment files between storages (`move-data --copy-media`): from a
/// media folder into another folder, and into a real S3-compatible bucket where one runs.
@Suite("Blob copier")
struct BlobCopierTests {
    static let epoch = Date(timeIntervalSince1970: 1_795_561_652)

    /// A store with three attachments: one with a thumbnail, one whose file was lost, one plain.
    /// Answers the files' keys and bytes as the source storage holds them.
    static func install(_ store: any ChatStore, files source: any BlobStorage) async throws -> [String: Data] {
        let user = try await store.createUser(NewUser(phoneNumber: freshPhone(1)), at: epoch)
        var held: [String: Data] = [:]
        for (index, size) in [70_000, 10, 300_000].enumerated() {
            let key = BlobKey.make()
            let attachment = try await store.createAttachment(
                NewAttachment(uploaderID: user.id, storageKey: key, name: "f\(index).png", mimeType: "image/png", size: Int64(size),
                    sha256: String(repeating: "cd", count: 32), width: 2, height: 2),
                quota: .max, at: epoch)
            if index == 1 { continue }  // lost before the copy
            let bytes = S3BlobStorageTests.randomBytes(size)
            try await S3BlobStorageTests.put(source, key: key, bytes, contentType: "image/png")
            held[key] = bytes
            if index == 0 {
                let thumbnail = BlobKey.thumbnail(of: key)
                try await S3BlobStorageTests.put(source, key: thumbnail, Data("jpeg".utf8), contentType: "image/jpeg")
                #expect(try await store.setThumbnail(of: attachment.id, .init(storageKey: thumbnail, width: 1, height: 1)))
                held[thumbnail] = Data("jpeg".utf8)
            }
        }
        return held
    }

    static func copyTwice(_ store: any ChatStore, from source: any BlobStorage, to destination: any BlobStorage) async throws {
        let held = try await install(store, files: source)
        let progress = CallCounter()
        let first = try await BlobCopier(store: store, from: source, to: destination, batchSize: 2).copyAll { _ in progress.add() }
        #expect(first.copied == 3 && first.alreadyThere == 0 && first.missing.count == 1)
        #expect(first.bytes == Int64(held.values.map(\.count).reduce(0, +)))
        #expect(progress.value == 2, "one report per batch of rows")
        for (key, bytes) in held {
            #expect(try await S3BlobStorageTests.collect(destination.read(key: key, range: nil)) == bytes, "\(key) arrived whole")
        }
        // Run again after a failure: what arrived whole stays, a short copy is made again.
        let (shortKey, shortBytes) = try #require(held.first { $0.value.count == 300_000 })
        try await S3BlobStorageTests.put(destination, key: shortKey, shortBytes.prefix(5))
        let second = try await BlobCopier(store: store, from: source, to: destination).copyAll()
        #expect(second.copied == 1 && second.alreadyThere == 2 && second.missing.count == 1)
        #expect(try await S3BlobStorageTests.collect(destination.read(key: shortKey, range: nil)) == shortBytes)
    }

    @Test("folder to folder: every file and thumbnail once, checked; a second run copies only what is not whole")
    func folderToFolder() async throws {
        try await withTemporaryDirectory { folder in
            try await withStore(.sqlite) { store, _ in
                let source = try LocalDiskBlobStorage(root: folder.appendingPathComponent("from").path)
                let destination = try LocalDiskBlobStorage(root: folder.appendingPathComponent("to").path)
                try await Self.copyTwice(store, from: source, to: destination)
            }
        }
    }

    @Test("folder to an S3 bucket", .enabled(if: S3BlobStorageTests.serverAvailable, "needs SWIFTCHAT_TEST_S3_URL (scripts/test_backends.sh start)"))
    func folderToBucket() async throws {
        try await withTemporaryDirectory { folder in
            try await withStore(.sqlite) { store, _ in
                let source = try LocalDiskBlobStorage(root: folder.path)
                try await Self.copyTwice(store, from: source, to: try await S3BlobStorageTests.freshStorage())
            }
        }
    }
}
