import Crypto
import Foundation

/// One file arriving, chunk by chunk: holds back the first bytes until their type is known
/// (refusing at once what may not be stored), then passes everything to the storage while it
/// counts and hashes, so that no more than the sniffing head and one chunk is in memory.
/// Any failure, here or in the caller, ends in `abort()`: nothing stays in the storage.
public final class AttachmentIntake: @unchecked Sendable {
    // Used by one request's task at a time, never concurrently.
    /// Nil when the bytes are already stored (a presigned upload being checked).
    private let storage: (any BlobStorage)?
    private let limits: UploadLimits
    public let key: String
    private var head = Data()
    private var upload: (any BlobUpload)?
    private var hasher = SHA256()
    public private(set) var size: Int64 = 0
    public private(set) var content: SniffedContent?
    private var finished = false

    init(storage: (any BlobStorage)?, limits: UploadLimits, key: String) {
        self.storage = storage
        self.limits = limits
        self.key = key
    }

    public func append(_ chunk: Data) async throws {
        guard !chunk.isEmpty else { return }
        size += Int64(chunk.count)
        if size > limits.maxSize { throw APIError.payloadTooLarge("The file is larger than \(limits.maxSize) bytes.") }
        hasher.update(data: chunk)
        if content != nil {
            try await upload?.append(chunk)
            return
        }
        head.append(chunk)
        if head.count >= ContentSniffer.headerSize { try await startStoring() }
    }

    /// Ends the file: everything is stored and the file's facts are known.
    public func finish() async throws -> (content: SniffedContent, size: Int64, sha256: String) {
        guard size > 0 else { throw APIError.field("file", "The submitted file is empty.") }
        if content == nil { try await startStoring() }
        try await upload?.finish()
        finished = true
        let digest = Hex.string(hasher.finalize())
        return (content!, size, digest)
    }

    /// Drops what was stored so far (also a finished blob, when the caller could not keep it).
    public func abort() async {
        if let upload, !finished { await upload.abort() }
        if finished { try? await storage?.delete(key: key) }
        upload = nil
    }

    private func startStoring() async throws {
        let found = try Self.check(ContentSniffer.sniff(head, maxImagePixels: limits.maxImagePixels), limits: limits)
        content = found
        guard let storage else { return }
        let upload = try await storage.beginUpload(key: key, contentType: found.mimeType)
        self.upload = upload
        let bytes = head
        head = Data()
        try await upload.append(bytes)
    }

    /// The sniffed type, if the settings allow it; otherwise the client's 415.
    static func check(_ outcome: SniffOutcome, limits: UploadLimits) throws -> SniffedContent {
        switch outcome {
        case .refused(let reason):
            throw APIError.unsupportedFile(reason)
        case .unrecognized:
            throw APIError.unsupportedFile("The file's content is not of a type this server accepts.")
        case .recognized(let content):
            guard limits.allowedTypes.contains(content.mimeType) else {
                throw APIError.unsupportedFile("Files of type \(content.mimeType) are not accepted here.")
            }
            return content
        }
    }
}
