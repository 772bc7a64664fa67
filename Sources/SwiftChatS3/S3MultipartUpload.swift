import Foundation
import SwiftChatCore

/// One blob being written to S3, holding at most one part in memory. A blob that ends before
/// its first part is full goes up as a single PutObject; a longer one becomes a multipart
/// upload, created when the first part is full, each part sent as it fills (its SHA-256 in the
/// signature) and completed by `finish()`. Until then nothing is visible under the key.
actor S3MultipartUpload: BlobUpload {
    private enum State {
        case writing
        case finished
        case aborted
    }

    private let storage: S3BlobStorage
    private let key: String
    private let contentType: String
    private var buffer = Data()
    private var uploadID: String?
    private var parts: [(number: Int, etag: String)] = []
    private var state = State.writing

    init(storage: S3BlobStorage, key: String, contentType: String) {
        self.storage = storage
        self.key = key
        self.contentType = contentType
    }

    private var partSize: Int { storage.configuration.partSize }
    private var path: String { storage.configuration.objectPath(key) }

    func append(_ chunk: Data) async throws {
        try requireWriting()
        buffer.append(chunk)
        while buffer.count >= partSize {
            let part = Data(buffer.prefix(partSize))
            buffer = Data(buffer.dropFirst(partSize))
            try await uploadPart(part)
        }
    }

    func finish() async throws {
        try requireWriting()
        if uploadID == nil {
            try await putObject(buffer)
        } else {
            if !buffer.isEmpty {
                try await uploadPart(buffer)
            }
            try await complete()
        }
        buffer = Data()
        state = .finished
    }

    func abort() async {
        guard state == .writing else { return }
        state = .aborted
        buffer = Data()
        guard let uploadID else { return }
        // Best effort: an upload the server lost (404) is gone already, and a failure here is
        // left to the bucket's lifecycle rule for incomplete uploads.
        _ = try? await storage.send(
            "AbortMultipartUpload", method: "DELETE", path: path, query: [("uploadId", uploadID)])
    }

    // MARK: Requests

    private func requireWriting() throws {
        switch state {
        case .writing: return
        case .finished: throw BlobStorageError.failed("upload of \(key): already finished")
        case .aborted: throw BlobStorageError.failed("upload of \(key): aborted")
        }
    }

    private func putObject(_ data: Data) async throws {
        let (status, _, answer) = try await storage.send(
            "PutObject", method: "PUT", path: path, headers: [("content-type", contentType)], body: data,
            timeout: storage.configuration.transferTimeout)
        guard status == 200 else { throw S3BlobStorage.failure("PutObject", status: status, answer: answer) }
    }

    private func uploadPart(_ data: Data) async throws {
        let uploadID = try await createdUpload()
        let number = parts.count + 1
        let (status, response, answer) = try await storage.send(
            "UploadPart", method: "PUT", path: path, query: [("partNumber", String(number)), ("uploadId", uploadID)],
            body: data, timeout: storage.configuration.transferTimeout)
        guard status == 200 else { throw S3BlobStorage.failure("UploadPart \(number)", status: status, answer: answer) }
        guard let etag = response.headers.first(name: "etag") else {
            throw BlobStorageError.failed("UploadPart \(number): the answer has no ETag")
        }
        parts.append((number, etag))
    }

    private func createdUpload() async throws -> String {
        if let uploadID { return uploadID }
        let (status, _, answer) = try await storage.send(
            "CreateMultipartUpload", method: "POST", path: path, query: [("uploads", "")],
            headers: [("content-type", contentType)])
        guard status == 200 else { throw S3BlobStorage.failure("CreateMultipartUpload", status: status, answer: answer) }
        guard let id = S3XML.firstText(of: "UploadId", in: answer), !id.isEmpty else {
            throw BlobStorageError.failed("CreateMultipartUpload: the answer has no UploadId")
        }
        uploadID = id
        return id
    }

    private func complete() async throws {
        guard let uploadID else { return }
        let list = parts.map { "<Part><PartNumber>\($0.number)</PartNumber><ETag>\(S3XML.escape($0.etag))</ETag></Part>" }
        let body = Data("<CompleteMultipartUpload>\(list.joined())</CompleteMultipartUpload>".utf8)
        let (status, _, answer) = try await storage.send(
            "CompleteMultipartUpload", method: "POST", path: path, query: [("uploadId", uploadID)], body: body,
            timeout: storage.configuration.transferTimeout)
        // S3 may answer 200 and still fail: the status is sent before the parts are joined, and
        // then the body is an <Error> document. (The root of a success is not checked: moto
        // names it CompleteMultipartUploadResponse, S3 CompleteMultipartUploadResult.)
        guard status == 200, !answer.isEmpty, !S3XML.hasRoot("Error", in: answer) else {
            throw S3BlobStorage.failure("CompleteMultipartUpload", status: status, answer: answer)
        }
    }
}
