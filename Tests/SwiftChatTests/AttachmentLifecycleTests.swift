import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// The media sweep as the running app does it, on its own every `SWIFTCHAT_MEDIA_SWEEP_INTERVAL`:
/// nobody calls the sweeper here.
@Suite("Attachment lifecycle")
struct AttachmentLifecycleTests {
    static let quickSweeps = ["SWIFTCHAT_MEDIA_SWEEP_INTERVAL": "0.2s"]

    /// The attachment's id and storage key, uploaded by `user` (expects 201).
    static func upload(_ name: String, by user: Session, _ client: any TestClientProtocol, _ runtime: AppRuntime) async throws -> (id: Int64, key: String) {
        let id = AttachmentRouteTests.int(try await client.uploadFile(SampleFile.pdf, name: name, by: user)["id"])
        let key = try #require(try await runtime.store.attachment(id: AttachmentID(rawValue: id))).storageKey
        #expect(MediaFolder(runtime).storedFiles.contains(key), "\(name) is stored")
        return (id, key)
    }

    /// Waits until the attachment's row and its file are gone.
    static func expectGone(_ attachment: (id: Int64, key: String), _ runtime: AppRuntime, _ what: Comment,
                           sourceLocation: SourceLocation = #_sourceLocation) async {
        let gone = await eventually {
            let row = try? await runtime.store.attachment(id: AttachmentID(rawValue: attachment.id))
            return row == nil && !MediaFolder(runtime).storedFiles.contains(attachment.key)
        }
        #expect(gone, what, sourceLocation: sourceLocation)
    }

    static func expectKept(_ attachment: (id: Int64, key: String), _ runtime: AppRuntime, _ what: Comment,
                           sourceLocation: SourceLocation = #_sourceLocation) async throws {
        #expect(try await runtime.store.attachment(id: AttachmentID(rawValue: attachment.id)) != nil, what, sourceLocation: sourceLocation)
        #expect(MediaFolder(runtime).storedFiles.contains(attachment.key), what, sourceLocation: sourceLocation)
    }

    @Test("an upload no message took goes, file and row, once its lifetime is over")
    func unattachedUploadIsSwept() async throws {
        let clock = TestClock()
        try await withApp(environment: Self.quickSweeps.merging(["SWIFTCHAT_UNATTACHED_UPLOAD_LIFETIME": "1h"]) { $1 }, clock: clock) { client, runtime in
            let cast = try await client.cast()
            let group = try await client.createGroup("Files", by: cast.alice, members: [cast.rahul])
            let kept = try await Self.upload("kept.pdf", by: cast.alice, client, runtime)
            let forgotten = try await Self.upload("forgotten.pdf", by: cast.alice, client, runtime)
            #expect(try await client.postAttachments([kept.id], text: "see", in: group, by: cast.alice).status == .created)
            try await Self.expectKept(forgotten, runtime, "within its lifetime, an unattached upload stays")

            clock.advance(by: 2 * 3600)
            await Self.expectGone(forgotten, runtime, "the periodic sweep removed the forgotten upload")
            try await Self.expectKept(kept, runtime, "the attached upload stays")
        }
    }

    @Test("deleting a message, a group or a user through the API removes their attachments' files")
    func routeDeletesRemoveFiles() async throws {
        try await withApp(environment: Self.quickSweeps) { client, runtime in
            let cast = try await client.cast()
            let group = try await client.createGroup("Doomed", by: cast.alice, members: [cast.rahul, cast.maria])
            let other = try await client.createGroup("Other", by: cast.alice, members: [cast.maria])
            let inMessage = try await Self.upload("message.pdf", by: cast.alice, client, runtime)
            let inGroup = try await Self.upload("group.pdf", by: cast.rahul, client, runtime)
            let marias = try await Self.upload("maria.pdf", by: cast.maria, client, runtime)
            let alices = try await Self.upload("alice.pdf", by: cast.alice, client, runtime)
            let posted = try await client.postAttachments([inMessage.id], text: "one", in: group, by: cast.alice)
            let message = try #require((posted.dictionary["id"] as? NSNumber)?.int64Value)
            #expect(try await client.postAttachments([inGroup.id], text: "two", in: group, by: cast.rahul).status == .created)
            #expect(try await client.postAttachments([marias.id], text: "three", in: other, by: cast.maria).status == .created)
            #expect(try await client.postAttachments([alices.id], text: "four", in: other, by: cast.alice).status == .created)

            let deletedMessage = try await client.call(.delete, "/api/v2/conversations/\(group)/messages/\(message)/", token: cast.alice.access)
            #expect(deletedMessage.status == .noContent, "\(deletedMessage.text)")
            await Self.expectGone(inMessage, runtime, "the deleted message's file went")
            try await Self.expectKept(inGroup, runtime, "another message's file stays")

            let deletedGroup = try await client.call(.delete, "/api/v2/conversations/\(group)/", token: cast.alice.access)
            #expect(deletedGroup.status == .noContent, "\(deletedGroup.text)")
            await Self.expectGone(inGroup, runtime, "the deleted group's files went")
            try await Self.expectKept(marias, runtime, "another group's files stay")

            let deletedUser = try await client.call(.delete, Routes.user(cast.maria.id), token: try await client.adminAccess())
            #expect(deletedUser.status == .noContent, "\(deletedUser.text)")
            await Self.expectGone(marias, runtime, "the deleted user's files went")
            try await Self.expectKept(alices, runtime, "the files of the group's other members stay")
            #expect(MediaFolder(runtime).storedFiles == [alices.key])
        }
    }
}
