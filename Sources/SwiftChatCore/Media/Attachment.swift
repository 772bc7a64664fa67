import Foundation

/// A stored file: uploaded by one user, then carried by at most one message. Its bytes live in
/// the `BlobStorage` under `storageKey`; everything here is what the server found, not what the
/// client claimed (the type comes from the content, the name is made safe).
public struct Attachment: Sendable, Equatable {
    public var id: AttachmentID
    public var uploaderID: UserID
    public var storageKey: String
    public var name: String
    public var mimeType: String
    public var size: Int64
    /// Lower-case hex of the content's SHA-256.
    public var sha256: String
    public var width: Int?
    public var height: Int?
    public var thumbnail: Thumbnail?
    /// Nil until a message carries it.
    public var messageID: ChatMessageID?
    /// The conversation of that message.
    public var conversationID: ConversationID?
    public var createdAt: Date

    public struct Thumbnail: Sendable, Equatable {
        public var storageKey: String
        public var width: Int
        public var height: Int

        public init(storageKey: String, width: Int, height: Int) {
            self.storageKey = storageKey
            self.width = width
            self.height = height
        }
    }

    public init(
        id: AttachmentID, uploaderID: UserID, storageKey: String, name: String, mimeType: String, size: Int64, sha256: String,
        width: Int?, height: Int?, thumbnail: Thumbnail?, messageID: ChatMessageID?, conversationID: ConversationID?, createdAt: Date
    ) {
        self.id = id
        self.uploaderID = uploaderID
        self.storageKey = storageKey
        self.name = name
        self.mimeType = mimeType
        self.size = size
        self.sha256 = sha256
        self.width = width
        self.height = height
        self.thumbnail = thumbnail
        self.messageID = messageID
        self.conversationID = conversationID
        self.createdAt = createdAt
    }
}

/// What an upload found, to be stored as an attachment.
public struct NewAttachment: Sendable, Equatable {
    public var uploaderID: UserID
    public var storageKey: String
    public var name: String
    public var mimeType: String
    public var size: Int64
    public var sha256: String
    public var width: Int?
    public var height: Int?

    public init(uploaderID: UserID, storageKey: String, name: String, mimeType: String, size: Int64, sha256: String, width: Int?, height: Int?) {
        self.uploaderID = uploaderID
        self.storageKey = storageKey
        self.name = name
        self.mimeType = mimeType
        self.size = size
        self.sha256 = sha256
        self.width = width
        self.height = height
    }
}
