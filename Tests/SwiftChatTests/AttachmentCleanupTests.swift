import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// Uploads that fail after the storage began writing (past the sniffer's head): whatever the
/// failure, a clear JSON error where an answer is possible, no file left in the media folder or
/// its `tmp/`, and nothing added to the uploader's stored bytes.
@Suite("Attachment cleanup")
struct AttachmentCleanupTests {
    /// A PNG header and padding: well past the bytes the sniffer holds back.
    static let largeFile = SampleFile.pngHeader(width: 64, height: 48, padding: 3 * ContentSniffer.headerSize)
    static let body = MultipartBody(file: largeFile, name: "large.png")
    /// An offset in the body past which the storage has begun writing the file.
    static let pastSniffing = body.bytes.count - largeFile.count + ContentSniffer.headerSize + 32 * 1024

    /// What a test compares after the failure: the storage's files and the user's counted bytes.
    struct Snapshot: Equatable {
        var stored: Set<String>
        var temporary: Set<String>
        var used: Int64
        var attachments: Int

        init(_ runtime: AppRuntime, user: Session) async throws {
            let media = MediaFolder(runtime)
            stored = media.storedFiles
            temporary = media.temporaryFiles
            used = try await runtime.store.storageUsed(by: UserID(rawValue: user.id))
            attachments = try await runtime.store.attachmentTotals().count
        }
    }

    /// Waits until the upload's file is being written in `tmp/`: the failure that follows comes
    /// after the storage began.
    static func expectStorageBegan(_ runtime: AppRuntime, sourceLocation: SourceLocation = #_sourceLocation) async {
        let media = MediaFolder(runtime)
        #expect(await eventually { !media.temporaryFiles.isEmpty }, "the upload's file was never started in tmp/", sourceLocation: sourceLocation)
    }

    /// Waits until `tmp/` is empty again, then expects everything as it was.
    static func expectNothingLeft(_ runtime: AppRuntime, user: Session, as before: Snapshot,
                                  sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let media = MediaFolder(runtime)
        #expect(await eventually { media.temporaryFiles.isEmpty }, "left in tmp/: \(media.temporaryFiles)", sourceLocation: sourceLocation)
        let after = try await Snapshot(runtime, user: user)
        #expect(after == before, "before: \(before), after: \(after)", sourceLocation: sourceLocation)
    }

    @Test("a connection closed mid-file leaves no file and counts no bytes")
    func connectionClosedMidFile() async throws {
        try await withApp(.live) { client, runtime in
            let cast = try await client.cast()
            let before = try await Snapshot(runtime, user: cast.alice)
            var upload = try await RawUpload(port: try client.livePort(), token: cast.alice.access, body: Self.body)
            #expect(await upload.send(upTo: Self.pastSniffing))
            await Self.expectStorageBegan(runtime)
            upload.shutDown()
            try await Self.expectNothingLeft(runtime, user: cast.alice, as: before)
            // Nothing of the lost upload is still reserved: the same file is taken whole.
            let again = try await client.uploadFile(Self.largeFile, name: "large.png", by: cast.alice)
            #expect(AttachmentRouteTests.int(again["size"]) == Int64(Self.largeFile.count))
        }
    }

    @Test("a body that ends inside the file is a JSON 400 and leaves nothing")
    func truncatedBody() async throws {
        try await withApp { client, runtime in
            let cast = try await client.cast()
            let before = try await Snapshot(runtime, user: cast.alice)
            let reply = try await client.upload(MultipartBody(file: Self.largeFile, truncated: true), by: cast.alice)
            #expect(reply.status == .badRequest, "\(reply.text)")
            #expect(reply.headers[.contentType] == "application/json")
            #expect(reply.text.contains("truncated"), "\(reply.text)")
            try await Self.expectNothingLeft(runtime, user: cast.alice, as: before)
        }
    }

    @Test("a chunked body that grows past the per-file limit is a JSON 413 and leaves nothing")
    func chunkedOverTheLimit() async throws {
        let limit = Self.pastSniffing + 64 * 1024
        #expect(limit < Self.largeFile.count)
        try await withApp(.live, environment: ["SWIFTCHAT_UPLOAD_MAX_SIZE": "\(limit)"]) { client, runtime in
            let cast = try await client.cast()
            let before = try await Snapshot(runtime, user: cast.alice)
            var upload = try await RawUpload(port: try client.livePort(), token: cast.alice.access, body: Self.body, chunked: true)
            #expect(await upload.send(upTo: Self.pastSniffing))
            await Self.expectStorageBegan(runtime)
            // The server may stop reading once it has refused the file; its answer is what counts.
            await upload.finish()
            let answer = try #require(await upload.answer())
            #expect(answer.status == 413)
            #expect(answer.headers["content-type"] == "application/json")
            #expect((answer.json["detail"] as? String)?.contains("larger than \(limit) bytes") == true, "\(answer.json)")
            try await Self.expectNothingLeft(runtime, user: cast.alice, as: before)
        }
    }

    @Test("an upload the quota can no longer hold when it ends is a JSON 413 and leaves nothing")
    func quotaRefusedLate() async throws {
        let quota = Int64(Self.largeFile.count) + 100_000
        try await withApp(.live, environment: ["SWIFTCHAT_UPLOAD_QUOTA": "\(quota)"]) { client, runtime in
            let cast = try await client.cast()
            let alice = UserID(rawValue: cast.alice.id)
            var expected = try await Snapshot(runtime, user: cast.alice)
            // The file fits when it starts: the quota is checked again when it has been stored.
            var upload = try await RawUpload(port: try client.livePort(), token: cast.alice.access, body: Self.body)
            #expect(await upload.send(upTo: Self.pastSniffing))
            await Self.expectStorageBegan(runtime)
            // Meanwhile another server process on the same database takes most of the quota
            // (a row only: its file is in that process's storage).
            let elsewhere = NewAttachment(
                uploaderID: alice, storageKey: BlobKey.make(), name: "elsewhere.pdf", mimeType: "application/pdf", size: 200_000,
                sha256: String(repeating: "0", count: 64), width: nil, height: nil)
            _ = try await runtime.store.createAttachment(elsewhere, quota: quota, at: Date())
            expected.used += elsewhere.size
            expected.attachments += 1

            await upload.finish()
            let answer = try #require(await upload.answer())
            #expect(answer.status == 413)
            #expect(answer.headers["content-type"] == "application/json")
            #expect((answer.json["detail"] as? String)?.contains("quota of \(quota) bytes") == true, "\(answer.json)")
            try await Self.expectNothingLeft(runtime, user: cast.alice, as: expected)

            // The refused upload holds no reservation: what still fits is taken.
            let small = try await client.uploadFile(SampleFile.pdf, name: "small.pdf", by: cast.alice)
            #expect(AttachmentRouteTests.int(small["size"]) == Int64(SampleFile.pdf.count))
            #expect(try await runtime.store.storageUsed(by: alice) == 200_000 + Int64(SampleFile.pdf.count))
        }
    }
}
