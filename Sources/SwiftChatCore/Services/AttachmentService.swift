import Foundation

/// Uploads, their checks and quotas, and who may see an attachment: its uploader, and the
/// members of the conversation of the message that carries it (anyone else gets 404).
public struct AttachmentService: Sendable {
    let store: any ChatStore
    public let storage: any BlobStorage
    public let limits: UploadLimits
    public let links: AttachmentLinkSigner
    /// Called with each new image, to make its thumbnail off the request path.
    let onImageStored: @Sendable (Attachment) -> Void
    let ledger = QuotaLedger()
    /// The app's clock: links, forms and their expiries.
    public let now: @Sendable () -> Date

    /// What a multipart body may add around the file itself (boundaries, part heads, fields).
    public static let formOverhead: Int64 = 64 * 1024

    public init(
        store: any ChatStore, storage: any BlobStorage, limits: UploadLimits, links: AttachmentLinkSigner,
        onImageStored: @escaping @Sendable (Attachment) -> Void = { _ in }, now: @escaping @Sendable () -> Date = Date.init
    ) {
        self.store = store
        self.storage = storage
        self.limits = limits
        self.links = links
        self.onImageStored = onImageStored
        self.now = now
    }

    /// Takes one file for `user`: `feed` hands the bytes to the intake and answers the client's
    /// file name. `declaredSize` (the body's length, when it says) lets a file that is too large,
    /// or that the quota cannot hold beside the user's other uploads under way, be refused
    /// before anything is read. On any failure nothing stays stored.
    public func upload(
        by user: User, declaredSize: Int64?, feed: (AttachmentIntake) async throws -> String?
    ) async throws -> Attachment {
        if let declaredSize, declaredSize > limits.maxSize + Self.formOverhead {
            throw APIError.payloadTooLarge("The file is larger than \(limits.maxSize) bytes.")
        }
        let reservation = min(declaredSize ?? limits.maxSize, limits.maxSize)
        let used = try await store.storageUsed(by: user.id)
        guard ledger.reserve(reservation, for: user.id, used: used, quota: limits.quotaPerUser) else { throw quotaExceeded() }
        defer { ledger.release(reservation, for: user.id) }
        let intake = AttachmentIntake(storage: storage, limits: limits, key: BlobKey.make())
        do {
            let name = try await feed(intake)
            return try await keep(intake, name: name, by: user)
        } catch {
            await intake.abort()
            throw error
        }
    }

    /// Adopts a file a client put into the storage itself (a presigned POST to `key`): reads it
    /// back to check and hash it like any upload; refused, it is deleted.
    public func adopt(key: String, name: String?, by user: User) async throws -> Attachment {
        guard let size = try await storage.size(of: key) else { throw APIError.field("key", "Nothing was uploaded under this key.") }
        let intake = AttachmentIntake(storage: nil, limits: limits, key: key)
        do {
            if size > limits.maxSize { throw APIError.payloadTooLarge("The file is larger than \(limits.maxSize) bytes.") }
            for try await chunk in try await storage.read(key: key, range: nil) { try await intake.append(chunk) }
            return try await keep(intake, name: name, by: user)
        } catch {
            try? await storage.delete(key: key)
            throw error
        }
    }

    private func keep(_ intake: AttachmentIntake, name: String?, by user: User) async throws -> Attachment {
        let found = try await intake.finish()
        let new = NewAttachment(
            uploaderID: user.id, storageKey: intake.key,
            name: AttachmentFileName.sanitized(name ?? "", for: found.content),
            mimeType: found.content.mimeType, size: found.size, sha256: found.sha256,
            width: found.content.width, height: found.content.height)
        let attachment: Attachment
        do {
            attachment = try await store.createAttachment(new, quota: limits.quotaPerUser, at: now())
        } catch StoreError.limitReached {
            throw quotaExceeded()
        } catch StoreError.missingReference {
            throw APIError.notAuthenticated
        }
        if found.content.category == .image { onImageStored(attachment) }
        return attachment
    }

    private func quotaExceeded() -> APIError {
        .payloadTooLarge("Your files would take more than your quota of \(limits.quotaPerUser) bytes.")
    }

    /// The attachment, if `viewer` may see it.
    public func attachment(_ id: AttachmentID, for viewer: UserID) async throws -> Attachment {
        guard let attachment = try await store.attachment(id: id) else { throw APIError.notFound }
        if let conversation = attachment.conversationID {
            guard try await store.role(of: viewer, in: conversation) != nil else { throw APIError.notFound }
        } else if attachment.uploaderID != viewer {
            throw APIError.notFound
        }
        return attachment
    }

    /// The attachment a download link names, once the link and its viewer are checked: the
    /// signature, the expiry, the viewer still active and still allowed to see it.
    public func attachment(
        forLink id: AttachmentID, _ variant: AttachmentLinkSigner.Variant, viewer: UserID, expires: Int64, signature: String
    ) async throws -> Attachment {
        switch links.verify(id, variant, viewer: viewer, expires: expires, signature: signature, now: now()) {
        case .forged: throw APIError.authenticationFailed(detail: "This download link is not valid.", code: "link_invalid")
        case .expired: throw APIError.authenticationFailed(detail: "This download link has expired; fetch the message again for a new one.", code: "link_expired")
        case .valid: break
        }
        guard let user = try await activeUser(viewer) else {
            throw APIError.authenticationFailed(detail: "This download link is not valid.", code: "link_invalid")
        }
        return try await attachment(id, for: user.id)
    }

    /// A presigned form for posting one file straight into the storage, under a key of its own
    /// that is deleted later unless `adopt` takes it; nil when the storage has no such forms.
    public func directUploadForm(for user: User, expiresAt: Date) async throws -> (form: DirectUploadForm, key: String)? {
        let key = BlobKey.make()
        guard let form = storage.directUploadForm(key: key, maxSize: limits.maxSize, expiresAt: expiresAt, now: now()) else { return nil }
        try await store.scheduleBlobDeletion(key: key, due: expiresAt.addingTimeInterval(3600))
        return (form, key)
    }

    /// The user a signed form or link names, while they exist and are active.
    public func activeUser(_ id: UserID) async throws -> User? {
        guard let user = try await store.user(id: id), user.isActive else { return nil }
        return user
    }

    public func representation(of attachment: Attachment, for viewer: UserID) -> JSONValue {
        links.representation(of: attachment, viewer: viewer, now: now())
    }
}
