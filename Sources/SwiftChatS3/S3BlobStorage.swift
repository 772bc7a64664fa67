import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import SwiftChatCore

/// Attachment bytes in an S3-compatible bucket, through the `HTTPClient` it is given, every
/// request signed with Signature Version 4. Every request has a deadline and every answer's
/// body that is read whole (XML, errors) is read up to a bound.
public struct S3BlobStorage: BlobStorage {
    /// The most of an answer's body read into memory: S3's XML answers and error documents are
    /// a few hundred bytes.
    static let answerLimit = 64 * 1024
    /// A presigned URL lives at most a week (S3's own limit).
    static let longestPresignedLifetime = 7 * 24 * 3600

    public let configuration: S3Configuration
    let signer: SigV4Signer
    let httpClient: HTTPClient

    public init(configuration: S3Configuration, httpClient: HTTPClient) {
        self.configuration = configuration
        self.signer = SigV4Signer(
            accessKeyID: configuration.accessKeyID, secretAccessKey: configuration.secretAccessKey, region: configuration.region)
        self.httpClient = httpClient
    }

    public var kind: String { "s3" }

    public func beginUpload(key: String, contentType: String) async throws -> any BlobUpload {
        S3MultipartUpload(storage: self, key: key, contentType: contentType)
    }

    public func read(key: String, range: ClosedRange<Int64>?) async throws -> AsyncThrowingStream<Data, any Error> {
        let headers = range.map { [("range", "bytes=\($0.lowerBound)-\($0.upperBound)")] } ?? []
        let response = try await start(
            "GetObject", method: "GET", path: configuration.objectPath(key), headers: headers, timeout: configuration.transferTimeout)
        switch response.status.code {
        case 200, 206:
            return S3BodyChunks(response.body).stream()
        case 404:
            let answer = await Self.text(of: response)
            // A missing bucket is a broken setting, not a missing blob.
            if S3XML.firstText(of: "Code", in: answer) == "NoSuchBucket" {
                throw Self.failure("GetObject", status: 404, answer: answer)
            }
            throw BlobStorageError.notFound
        default:
            throw Self.failure("GetObject", status: response.status.code, answer: await Self.text(of: response))
        }
    }

    public func size(of key: String) async throws -> Int64? {
        let (status, response, answer) = try await send("HeadObject", method: "HEAD", path: configuration.objectPath(key))
        switch status {
        case 200:
            guard let length = response.headers.first(name: "content-length").flatMap({ Int64($0) }) else {
                throw BlobStorageError.failed("HeadObject: the answer has no Content-Length")
            }
            return length
        case 404:
            return nil
        default:
            throw Self.failure("HeadObject", status: status, answer: answer)
        }
    }

    public func delete(key: String) async throws {
        let (status, _, answer) = try await send("DeleteObject", method: "DELETE", path: configuration.objectPath(key))
        guard (200..<300).contains(status) || status == 404 else {
            throw Self.failure("DeleteObject", status: status, answer: answer)
        }
    }

    public func directDownloadURL(
        key: String, contentType: String, contentDisposition: String, lifetime: TimeInterval, now: Date
    ) -> URL? {
        let expires = max(1, min(Self.longestPresignedLifetime, Int(lifetime.rounded(.up))))
        let query = signer.presignedQuery(
            method: "GET", host: configuration.hostHeader, path: configuration.objectPath(key),
            query: [("response-content-type", contentType), ("response-content-disposition", contentDisposition)],
            expires: expires, date: now)
        return URL(string: configuration.url(path: configuration.objectPath(key), encodedQuery: query))
    }

    public func directUploadForm(key: String, maxSize: Int64, expiresAt: Date, now: Date) -> DirectUploadForm? {
        let credential = signer.credential(date: now)
        let amzDate = SigV4Signer.timestamp(now)
        let policy: [String: Any] = [
            "expiration": SigV4Signer.policyExpiration(expiresAt),
            "conditions": [
                ["bucket": configuration.bucket],
                ["key": key],
                ["content-length-range", 1, maxSize],
                ["x-amz-algorithm": SigV4Signer.algorithm],
                ["x-amz-credential": credential],
                ["x-amz-date": amzDate],
            ] as [Any],
        ]
        // Sorted keys: the same inputs give the same policy, and so the same signature.
        guard let json = try? JSONSerialization.data(withJSONObject: policy, options: [.sortedKeys]) else { return nil }
        let base64Policy = json.base64EncodedString()
        return DirectUploadForm(url: configuration.bucketURL, fields: [
            ("key", key),
            ("policy", base64Policy),
            ("x-amz-algorithm", SigV4Signer.algorithm),
            ("x-amz-credential", credential),
            ("x-amz-date", amzDate),
            ("x-amz-signature", signer.postPolicySignature(base64Policy: base64Policy, date: now)),
        ])
    }

    public func localFilePath(key: String) -> String? {
        nil
    }

    /// Creates the bucket unless it exists and is reachable with these credentials; for
    /// development and tests (production buckets are made by their operators).
    public func createBucketIfMissing() async throws {
        var body: Data?
        // us-east-1 is the one region that takes no location constraint.
        if configuration.region != "us-east-1" {
            body = Data("""
                <CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">\
                <LocationConstraint>\(S3XML.escape(configuration.region))</LocationConstraint></CreateBucketConfiguration>
                """.utf8)
        }
        let (status, _, answer) = try await send("CreateBucket", method: "PUT", path: configuration.bucketPath, body: body)
        if (200..<300).contains(status) { return }
        guard status == 409 else { throw Self.failure("CreateBucket", status: status, answer: answer) }
        if S3XML.firstText(of: "Code", in: answer) == "BucketAlreadyOwnedByYou" { return }
        // Servers differ in the code they give an owner's existing bucket: it is fine when it
        // answers to these credentials.
        let (headStatus, _, _) = try await send("HeadBucket", method: "HEAD", path: configuration.bucketPath)
        guard headStatus == 200 else { throw Self.failure("CreateBucket", status: status, answer: answer) }
    }

    // MARK: Requests

    /// Signs and sends one request; the answer's body is left to the caller.
    func start(
        _ operation: String, method: String, path: String, query: [(String, String)] = [], headers: [(String, String)] = [],
        body: Data? = nil, timeout: TimeInterval? = nil
    ) async throws -> HTTPClientResponse {
        let payloadHash = body.map { SigV4Signer.hexSHA256($0) } ?? SigV4Signer.emptyPayloadHash
        let host = configuration.hostHeader
        let signed = signer.authorizationHeaders(
            method: method, host: host, path: path, query: query, headers: headers, payloadHash: payloadHash, date: Date())
        var request = HTTPClientRequest(url: configuration.url(path: path, encodedQuery: SigV4Signer.canonicalQuery(query)))
        request.method = .init(rawValue: method)
        request.headers.add(name: "Host", value: host)
        for (name, value) in headers + signed {
            request.headers.add(name: name, value: value)
        }
        if let body {
            request.body = .bytes(ByteBuffer(data: body))
        }
        let seconds = timeout ?? configuration.requestTimeout
        do {
            return try await httpClient.execute(request, timeout: .milliseconds(Int64(seconds * 1000)))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw BlobStorageError.failed("\(operation): \(error)")
        }
    }

    /// Signs and sends one request and reads its answer (up to `answerLimit`).
    func send(
        _ operation: String, method: String, path: String, query: [(String, String)] = [], headers: [(String, String)] = [],
        body: Data? = nil, timeout: TimeInterval? = nil
    ) async throws -> (status: UInt, response: HTTPClientResponse, answer: String) {
        let response = try await start(
            operation, method: method, path: path, query: query, headers: headers, body: body, timeout: timeout)
        return (response.status.code, response, await Self.text(of: response))
    }

    /// The body of an answer as text, at most `answerLimit` bytes of it: what is beyond is
    /// dropped with the response (which ends the request).
    static func text(of response: HTTPClientResponse) async -> String {
        var collected = ByteBuffer()
        do {
            for try await chunk in response.body {
                var chunk = chunk
                let room = answerLimit - collected.readableBytes
                if chunk.readableBytes >= room {
                    if let head = chunk.readSlice(length: room) { collected.writeImmutableBuffer(head) }
                    break
                }
                collected.writeBuffer(&chunk)
            }
        } catch {
            // A broken answer body: what arrived is still worth logging.
        }
        return String(buffer: collected)
    }

    /// An error for logs: the operation, the status and S3's code and message when it gave one.
    static func failure(_ operation: String, status: UInt, answer: String) -> BlobStorageError {
        let code = S3XML.firstText(of: "Code", in: answer)
        let message = S3XML.firstText(of: "Message", in: answer)
        var detail = [code, message].compactMap { $0 }.joined(separator: ": ")
        if detail.isEmpty, !answer.isEmpty {
            // Not an S3 error document: the start of it says what the server was on about.
            detail = String(answer.prefix(200))
        }
        return .failed("\(operation) answered \(status)" + (detail.isEmpty ? "" : " (\(detail))"))
    }
}
