import Foundation
import Testing
@testable import SwiftChatCore

/// Attachments' rows answer the same on both stores, and every way a row can go queues its blobs.
@Suite("Attachment store conformance")
struct AttachmentStoreConformanceTests {
    static let epoch = Date(timeIntervalSince1970: 1_795_561_652.533023)

    static func new(_ user: UserID, size: Int64 = 100) -> NewAttachment {
        NewAttachment(uploaderID: user, storageKey: BlobKey.make(), name: "a.png", mimeType: "image/png", size: size,
            sha256: String(repeating: "ab", count: 32), width: 4, height: 3)
    }

    @Test("quota, attach once, attachments read with their messages", arguments: TestBackends.stores)
    func attachAndQuota(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let a = try await store.createUser(NewUser(phoneNumber: freshPhone(1)), at: Self.epoch)
            let b = try await store.createUser(NewUser(phoneNumber: freshPhone(2)), at: Self.epoch)
            let group = try await store.createGroup(title: "g", by: a.id, members: [b.id], at: Self.epoch)
            let first = try await store.createAttachment(Self.new(a.id, size: 600), quota: 1000, at: Self.epoch)
            #expect(first.width == 4 && first.messageID == nil && first.createdAt == Self.epoch)
            await #expect(throws: StoreError.limitReached) { _ = try await store.createAttachment(Self.new(a.id, size: 401), quota: 1000, at: Self.epoch) }
            let second = try await store.createAttachment(Self.new(a.id, size: 400), quota: 1000, at: Self.epoch)
            #expect(try await store.storageUsed(by: a.id) == 1000)
            let theirs = try await store.createAttachment(Self.new(b.id), quota: 1000, at: Self.epoch)

            await #expect(throws: StoreError.attachmentUnavailable) {
                _ = try await store.postMessage(in: group.id, by: a.id, text: "", clientID: nil, attachments: [first.id, theirs.id], at: Self.epoch)
            }
            #expect(try await store.messages(in: group.id, window: .latest, limit: 10).messages.isEmpty, "the refused post left nothing")
            let posted = try await store.postMessage(in: group.id, by: a.id, text: "", clientID: nil, attachments: [second.id, first.id], at: Self.epoch)
            #expect(posted.message.attachments.map(\.id) == [second.id, first.id], "in the order given")
            #expect(posted.message.attachments.first?.conversationID == group.id)
            await #expect(throws: StoreError.attachmentUnavailable) {
                _ = try await store.postMessage(in: group.id, by: a.id, text: "again", clientID: nil, attachments: [first.id], at: Self.epoch)
            }
            let page = try await store.messages(in: group.id, window: .latest, limit: 10)
            #expect(page.messages.map { $0.attachments.map(\.id) } == [[second.id, first.id]])
            #expect(try await store.conversation(id: group.id)?.lastMessage?.attachments.count == 2)
            let totals = try await store.attachmentTotals()
            #expect(totals.count == 3 && totals.bytes == 1100)
        }
    }

    @Test("deleting a group, a user or an unattached upload queues the blobs, thumbnails too", arguments: TestBackends.stores)
    func deletionsQueueBlobs(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let a = try await store.createUser(NewUser(phoneNumber: freshPhone(1)), at: Self.epoch)
            let b = try await store.createUser(NewUser(phoneNumber: freshPhone(2)), at: Self.epoch)
            let group = try await store.createGroup(title: "g", by: a.id, members: [b.id], at: Self.epoch)
            let inGroup = try await store.createAttachment(Self.new(a.id), quota: .max, at: Self.epoch)
            #expect(try await store.setThumbnail(of: inGroup.id, .init(storageKey: BlobKey.thumbnail(of: inGroup.storageKey), width: 4, height: 3)))
            _ = try await store.postMessage(in: group.id, by: a.id, text: "x", clientID: nil, attachments: [inGroup.id], at: Self.epoch)
            let ofB = try await store.createAttachment(Self.new(b.id), quota: .max, at: Self.epoch)
            let loose = try await store.createAttachment(Self.new(a.id), quota: .max, at: Self.epoch)
            let late = Self.epoch.addingTimeInterval(86400 * 365 * 10)
            #expect(try await store.dueBlobDeletions(at: late, limit: 10).isEmpty)

            #expect(try await store.deleteGroup(group.id, at: Self.epoch))
            #expect(Set(try await store.dueBlobDeletions(at: late, limit: 10)) == [inGroup.storageKey, BlobKey.thumbnail(of: inGroup.storageKey)])
            _ = try await store.deleteUser(id: b.id)
            #expect(try await store.dueBlobDeletions(at: late, limit: 10).contains(ofB.storageKey))
            #expect(try await store.deleteUnattached(before: late, limit: 10) == 1)
            #expect(try await store.dueBlobDeletions(at: late, limit: 10).contains(loose.storageKey))
            for key in try await store.dueBlobDeletions(at: late, limit: 10) { try await store.forgetBlobDeletion(key: key) }
            #expect(try await store.dueBlobDeletions(at: late, limit: 10).isEmpty)

            // A presigned upload's key waits until its time; an attachment made from it cancels the wait.
            let pending = BlobKey.make()
            try await store.scheduleBlobDeletion(key: pending, due: Self.epoch.addingTimeInterval(60))
            #expect(try await store.dueBlobDeletions(at: Self.epoch, limit: 10).isEmpty)
            #expect(try await store.dueBlobDeletions(at: late, limit: 10) == [pending])
            var adopted = Self.new(a.id)
            adopted.storageKey = pending
            _ = try await store.createAttachment(adopted, quota: .max, at: Self.epoch)
            #expect(try await store.dueBlobDeletions(at: late, limit: 10).isEmpty)
        }
    }

    @Test("move-data carries attachments, thumbnails, used storage and queued blob deletions", arguments: TestBackends.stores)
    func moveDataCarriesAttachments(backend: StoreBackend) async throws {
        try await withStore(.sqlite) { source, _ in
            let a = try await source.createUser(NewUser(phoneNumber: freshPhone(1)), at: Self.epoch)
            let b = try await source.createUser(NewUser(phoneNumber: freshPhone(2)), at: Self.epoch)
            let group = try await source.createGroup(title: "g", by: a.id, members: [b.id], at: Self.epoch)
            let sent = try await source.createAttachment(Self.new(a.id, size: 300), quota: .max, at: Self.epoch)
            #expect(try await source.setThumbnail(of: sent.id, .init(storageKey: BlobKey.thumbnail(of: sent.storageKey), width: 4, height: 3)))
            let second = try await source.createAttachment(Self.new(a.id, size: 200), quota: .max, at: Self.epoch)
            let posted = try await source.postMessage(in: group.id, by: a.id, text: "", clientID: nil, attachments: [second.id, sent.id], at: Self.epoch)
            let loose = try await source.createAttachment(Self.new(b.id, size: 50), quota: .max, at: Self.epoch)
            let queued = BlobKey.make()
            try await source.scheduleBlobDeletion(key: queued, due: Self.epoch)
            try await withStore(backend) { target, _ in
                try await DataMover(from: source, to: target, batchSize: 1).move()
                let moved = try await target.attachments(ofMessages: [posted.message.id])
                #expect(moved == (try await source.attachments(ofMessages: [posted.message.id])))
                #expect(moved[posted.message.id]?.map(\.id) == [second.id, sent.id])
                #expect(moved[posted.message.id]?.last?.thumbnail?.storageKey == BlobKey.thumbnail(of: sent.storageKey))
                #expect(try await target.attachment(id: loose.id) == loose)
                #expect(try await target.storageUsed(by: a.id) == 500)
                #expect(try await target.dueBlobDeletions(at: Self.epoch, limit: 10) == [queued])
                // New uploads take ids after the copied ones.
                let next = try await target.createAttachment(Self.new(b.id), quota: .max, at: Self.epoch)
                #expect(next.id > loose.id)
            }
        }
    }
}
