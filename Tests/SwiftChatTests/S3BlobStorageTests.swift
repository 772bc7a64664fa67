import AsyncHTTPClient
import Crypto
import Foundation
import NIOCore
import NIOFoundationCompat
import Testing
@testable import SwiftChatCore
@testable import SwiftChatS3

/// The S3 storage against a real S3-compatible server (moto's, from `scripts/test_backends.sh`),
/// each test on a bucket of its own; and its presigned forms and settings, which need no server.
/// moto checks the signature of every request signed in the `Authorization` header once IAM
/// authentication is on, so a signing bug fails these tests; it checks neither presigned URLs
/// nor POST policies (and answers them with a 500 when authentication is on, hence the second,
/// open server for those).
@Suite("S3 blob storage")
struct S3BlobStorageTests {
    static let serverAvailable = TestBackends.s3URL != nil || TestBackends.required
    static let mebibyte = 1024 * 1024

    /// A storage on a fresh bucket; `open` picks the server for presigned requests.
    static func freshStorage(open: Bool = false, secret: String? = nil) async throws -> S3BlobStorage {
        let url = try #require(open ? TestBackends.s3OpenURL ?? TestBackends.s3URL : TestBackends.s3URL, "SWIFTCHAT_TEST_S3_URL")
        let bucket = "swiftchat-test-" + UUID().uuidString.prefix(13).lowercased().replacingOccurrences(of: "-", with: "")
        let storage = try makeStorage(endpoint: url, bucket: bucket, secret: secret)
        if secret == nil {
            try await storage.createBucketIfMissing()
        }
        return storage
    }

    static func makeStorage(endpoint: String, bucket: String, secret: String? = nil, pathStyle: Bool = true) throws -> S3BlobStorage {
        let configuration = try S3Configuration(
            endpoint: try #require(URL(string: endpoint)), bucket: bucket, region: "us-east-1",
            accessKeyID: TestBackends.s3AccessKeyID ?? "test", secretAccessKey: secret ?? TestBackends.s3SecretAccessKey ?? "test",
            pathStyle: pathStyle)
        return S3BlobStorage(configuration: configuration, httpClient: .shared)
    }

    static func collect(_ stream: AsyncThrowingStream<Data, any Error>) async throws -> Data {
        var data = Data()
        for try await chunk in stream {
            data.append(chunk)
        }
        return data
    }

    /// From the kernel: a loop of appends costs seconds of CPU in a debug build, beside the rest of the suite.
    static func randomBytes(_ count: Int) -> Data {
        let source = FileHandle(forReadingAtPath: "/dev/urandom")!
        defer { try? source.close() }
        return (try? source.read(upToCount: count)) ?? Data()
    }

    static func put(_ storage: any BlobStorage, key: String, _ data: Data, contentType: String = "application/octet-stream") async throws {
        let upload = try await storage.beginUpload(key: key, contentType: contentType)
        try await upload.append(data)
        try await upload.finish()
    }

    /// The bucket's multipart uploads not yet completed nor aborted.
    static func pendingUploads(_ storage: S3BlobStorage) async throws -> String {
        let (status, _, answer) = try await storage.send(
            "ListMultipartUploads", method: "GET", path: storage.configuration.bucketPath, query: [("uploads", "")])
        #expect(status == 200)
        #expect(answer.contains("ListMultipartUploadsResult"))
        return answer
    }

    // MARK: Against the server

    @Test("a small blob: PutObject, read, size, delete; a missing key is notFound and nil",
          .enabled(if: serverAvailable, "needs SWIFTCHAT_TEST_S3_URL (scripts/test_backends.sh start)"))
    func smallBlob() async throws {
        let storage = try await Self.freshStorage()
        #expect(storage.kind == "s3")
        #expect(storage.localFilePath(key: "a") == nil)
        // A second call on an existing bucket is fine.
        try await storage.createBucketIfMissing()
        let data = Data("hello, bucket".utf8)
        // moto checks the signature of a key with `+` or `=` against its decoded form and
        // refuses botocore's requests alike; a space it gets right.
        for key in ["media/2026/small.txt", "media/with space.txt"] {
            try await Self.put(storage, key: key, data, contentType: "text/plain")
            #expect(try await Self.collect(storage.read(key: key, range: nil)) == data)
            #expect(try await storage.size(of: key) == Int64(data.count))
            try await storage.delete(key: key)
            #expect(try await storage.size(of: key) == nil)
            await #expect(throws: BlobStorageError.notFound) { try await storage.read(key: key, range: nil) }
            // Deleting what is gone is not an error.
            try await storage.delete(key: key)
        }
        // An empty blob is a blob.
        try await Self.put(storage, key: "empty", Data())
        #expect(try await storage.size(of: "empty") == 0)
        #expect(try await Self.collect(storage.read(key: "empty", range: nil)).isEmpty)
    }

    @Test("17 MiB in odd-sized chunks: three parts, read back byte for byte",
          .enabled(if: serverAvailable, "needs SWIFTCHAT_TEST_S3_URL (scripts/test_backends.sh start)"))
    func multipart() async throws {
        let storage = try await Self.freshStorage()
        #expect(storage.configuration.partSize == 8 * Self.mebibyte)
        let data = Self.randomBytes(17 * Self.mebibyte)
        let upload = try await storage.beginUpload(key: "big.bin", contentType: "application/octet-stream")
        var offset = 0
        while offset < data.count {
            let end = min(offset + 1_000_003, data.count)
            try await upload.append(data[offset..<end])
            offset = end
        }
        // The parts so far are an upload in progress, not an object.
        #expect(try await storage.size(of: "big.bin") == nil)
        #expect(try await Self.pendingUploads(storage).contains("<Key>big.bin</Key>"))
        try await upload.finish()

        #expect(try await storage.size(of: "big.bin") == Int64(data.count))
        // A multipart object's ETag ends with its number of parts.
        let (status, head, _) = try await storage.send("HeadObject", method: "HEAD", path: storage.configuration.objectPath("big.bin"))
        #expect(status == 200)
        #expect(head.headers.first(name: "etag")?.hasSuffix("-3\"") == true)

        var hash = SHA256()
        var count = 0
        for try await chunk in try await storage.read(key: "big.bin", range: nil) {
            hash.update(data: chunk)
            count += chunk.count
        }
        #expect(count == data.count)
        #expect(Data(hash.finalize()) == Data(SHA256.hash(data: data)))
        #expect(!(try await Self.pendingUploads(storage).contains("<Upload>")))
    }

    @Test("a ranged read returns the inclusive range",
          .enabled(if: serverAvailable, "needs SWIFTCHAT_TEST_S3_URL (scripts/test_backends.sh start)"))
    func rangedRead() async throws {
        let storage = try await Self.freshStorage()
        let data = Self.randomBytes(1000)
        try await Self.put(storage, key: "ranged.bin", data)
        #expect(try await Self.collect(storage.read(key: "ranged.bin", range: 10...19)) == data[10...19])
        #expect(try await Self.collect(storage.read(key: "ranged.bin", range: 990...999)) == data[990...999])
        #expect(try await Self.collect(storage.read(key: "ranged.bin", range: 0...0)) == data.prefix(1))
    }

    @Test("abort leaves no object and no pending multipart upload",
          .enabled(if: serverAvailable, "needs SWIFTCHAT_TEST_S3_URL (scripts/test_backends.sh start)"))
    func abort() async throws {
        let storage = try await Self.freshStorage()
        // Past one part: the multipart upload exists on the server when abort comes.
        let upload = try await storage.beginUpload(key: "aborted.bin", contentType: "application/octet-stream")
        try await upload.append(Self.randomBytes(9 * Self.mebibyte))
        #expect(try await Self.pendingUploads(storage).contains("<Key>aborted.bin</Key>"))
        await upload.abort()
        await upload.abort()
        #expect(try await storage.size(of: "aborted.bin") == nil)
        #expect(!(try await Self.pendingUploads(storage).contains("<Upload>")))
        await #expect(throws: BlobStorageError.self) { try await upload.append(Data("late".utf8)) }
        await #expect(throws: BlobStorageError.self) { try await upload.finish() }

        // Before one part: nothing was ever sent.
        let small = try await storage.beginUpload(key: "aborted-small.bin", contentType: "text/plain")
        try await small.append(Data("a little".utf8))
        await small.abort()
        #expect(try await storage.size(of: "aborted-small.bin") == nil)
    }

    @Test("the server checks signatures: a wrong secret is refused",
          .enabled(if: TestBackends.s3AccessKeyID != nil || TestBackends.required,
                   "needs SWIFTCHAT_TEST_S3_ACCESS_KEY_ID (a server with authentication on)"))
    func wrongSecretRefused() async throws {
        _ = try #require(TestBackends.s3AccessKeyID, "SWIFTCHAT_TEST_S3_ACCESS_KEY_ID")
        let good = try await Self.freshStorage()
        try await Self.put(good, key: "signed.txt", Data("x".utf8))
        let bad = try Self.makeStorage(
            endpoint: try #require(TestBackends.s3URL), bucket: good.configuration.bucket, secret: "not-the-secret")
        let error = await #expect(throws: BlobStorageError.self) { try await bad.read(key: "signed.txt", range: nil) }
        guard case .failed(let text) = error else {
            Issue.record("expected a refusal, got \(String(describing: error))")
            return
        }
        #expect(text.contains("403"))
        #expect(text.contains("SignatureDoesNotMatch"))
    }

    @Test("a presigned GET, fetched by a plain HTTP client, returns the blob",
          .enabled(if: serverAvailable, "needs SWIFTCHAT_TEST_S3_URL (scripts/test_backends.sh start)"))
    func presignedGet() async throws {
        let storage = try await Self.freshStorage(open: true)
        let data = Self.randomBytes(4096)
        try await Self.put(storage, key: "photos/p.png", data, contentType: "image/png")
        let disposition = "attachment; filename=\"holiday photo.png\""
        let url = try #require(storage.directDownloadURL(
            key: "photos/p.png", contentType: "image/png", contentDisposition: disposition, lifetime: 300, now: Date()))
        let query = try #require(URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems)
        #expect(query.first { $0.name == "response-content-type" }?.value == "image/png")
        #expect(query.first { $0.name == "response-content-disposition" }?.value == disposition)
        #expect(query.first { $0.name == "X-Amz-Expires" }?.value == "300")
        #expect(query.last?.name == "X-Amz-Signature")

        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url.absoluteString), timeout: .seconds(30))
        #expect(response.status.code == 200)
        let headers = response.headers
        #expect(Data(buffer: try await response.body.collect(upTo: 1 << 20)) == data)
        // S3 answers with the type and disposition the signature fixed; moto ignores
        // `response-content-*` and answers with the stored type.
        withKnownIssue("moto ignores response-content-type and response-content-disposition", isIntermittent: true) {
            #expect(headers.first(name: "content-type") == "image/png")
            #expect(headers.first(name: "content-disposition") == disposition)
        }
    }

    @Test("a presigned POST form takes the file under its key",
          .enabled(if: serverAvailable, "needs SWIFTCHAT_TEST_S3_URL (scripts/test_backends.sh start)"))
    func presignedPost() async throws {
        let storage = try await Self.freshStorage(open: true)
        let now = Date()
        let form = try #require(storage.directUploadForm(key: "direct/upload.bin", maxSize: 1000, expiresAt: now + 600, now: now))
        let data = Self.randomBytes(600)
        #expect(try await Self.post(form, file: data) / 100 == 2)
        #expect(try await Self.collect(storage.read(key: "direct/upload.bin", range: nil)) == data)

        // S3 refuses a file over the policy's content-length-range; moto checks no POST policy.
        let oversized = try await Self.post(form, file: Self.randomBytes(1001))
        withKnownIssue("moto does not check POST policies", isIntermittent: true) {
            #expect(oversized == 400)
        }
    }

    /// Posts `form`'s fields, then `file` as the field `file`, as a browser would; the status.
    static func post(_ form: DirectUploadForm, file: Data) async throws -> UInt {
        let boundary = "swiftchat-\(UUID().uuidString)"
        var body = Data()
        for (name, value) in form.fields {
            body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"\r\n\r\n\(value)\r\n".utf8))
        }
        body.append(Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"upload.bin\"\r\n".utf8))
        body.append(Data("Content-Type: application/octet-stream\r\n\r\n".utf8))
        body.append(file)
        body.append(Data("\r\n--\(boundary)--\r\n".utf8))
        var request = HTTPClientRequest(url: form.url.absoluteString)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "multipart/form-data; boundary=\(boundary)")
        request.body = .bytes(ByteBuffer(data: body))
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        _ = try await response.body.collect(upTo: 1 << 16)
        return response.status.code
    }

    // MARK: Without a server

    @Test("the POST form: its fields in order, a policy with the exact key and the size range, signed")
    func uploadForm() throws {
        let storage = try Self.makeStorage(endpoint: "http://127.0.0.1:9", bucket: "media")
        let now = Date(timeIntervalSince1970: 1_700_000_000)  // 2023-11-14T22:13:20Z
        let form = try #require(storage.directUploadForm(key: "a/b c.png", maxSize: 5000, expiresAt: now + 900, now: now))
        #expect(form.url.absoluteString == "http://127.0.0.1:9/media")
        #expect(form.fields.map(\.0) == ["key", "policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"])
        let fields = Dictionary(uniqueKeysWithValues: form.fields)
        let credential = "\(storage.configuration.accessKeyID)/20231114/us-east-1/s3/aws4_request"
        #expect(fields["key"] == "a/b c.png")
        #expect(fields["x-amz-algorithm"] == "AWS4-HMAC-SHA256")
        #expect(fields["x-amz-credential"] == credential)
        #expect(fields["x-amz-date"] == "20231114T221320Z")
        let base64Policy = try #require(fields["policy"])
        #expect(fields["x-amz-signature"] == storage.signer.postPolicySignature(base64Policy: base64Policy, date: now))

        let json = try #require(Data(base64Encoded: base64Policy))
        let object = try JSONSerialization.jsonObject(with: json)
        let policy = try #require(object as? [String: Any])
        #expect(policy["expiration"] as? String == "2023-11-14T22:28:20.000Z")
        let conditions = try #require(policy["conditions"] as? [Any])
        #expect(conditions.count == 6)
        #expect(conditions[0] as? [String: String] == ["bucket": "media"])
        #expect(conditions[1] as? [String: String] == ["key": "a/b c.png"])
        let range = try #require(conditions[2] as? [Any])
        #expect(range.first as? String == "content-length-range")
        #expect(range.dropFirst().compactMap { ($0 as? NSNumber)?.int64Value } == [1, 5000])
        #expect(conditions[3] as? [String: String] == ["x-amz-algorithm": "AWS4-HMAC-SHA256"])
        #expect(conditions[4] as? [String: String] == ["x-amz-credential": credential])
        #expect(conditions[5] as? [String: String] == ["x-amz-date": "20231114T221320Z"])
        // The same inputs, the same form.
        #expect(storage.directUploadForm(key: "a/b c.png", maxSize: 5000, expiresAt: now + 900, now: now) == form)
    }

    @Test("the presigned GET: its path encoded, its lifetime bounded to S3's week")
    func downloadURL() throws {
        let storage = try Self.makeStorage(endpoint: "https://s3.example.com", bucket: "media", pathStyle: false)
        let now = Date(timeIntervalSince1970: 1_700_000_000)
        let url = try #require(storage.directDownloadURL(
            key: "a/b c.png", contentType: "image/png", contentDisposition: "inline", lifetime: 30 * 24 * 3600, now: now))
        #expect(url.absoluteString.hasPrefix("https://media.s3.example.com/a/b%20c.png?"))
        let query = try #require(URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems)
        #expect(query.first { $0.name == "X-Amz-Expires" }?.value == "604800")
        #expect(query.first { $0.name == "X-Amz-SignedHeaders" }?.value == "host")
        // Fixed by the date: the same URL for the same inputs.
        #expect(storage.directDownloadURL(
            key: "a/b c.png", contentType: "image/png", contentDisposition: "inline", lifetime: 30 * 24 * 3600, now: now) == url)
    }

    @Test("settings: path and virtual-hosted style, ports, and what is refused")
    func configuration() throws {
        let path = try S3Configuration(
            endpoint: URL(string: "http://127.0.0.1:25000")!, bucket: "media", region: "us-east-1", accessKeyID: "k", secretAccessKey: "s")
        #expect(path.hostHeader == "127.0.0.1:25000")
        #expect(path.bucketURL.absoluteString == "http://127.0.0.1:25000/media")
        #expect(path.objectPath("x/y") == "/media/x/y")
        #expect(path.partSize == 8 * Self.mebibyte)
        let virtual = try S3Configuration(
            endpoint: URL(string: "https://s3.eu-west-1.amazonaws.com:443")!, bucket: "media", region: "eu-west-1",
            accessKeyID: "k", secretAccessKey: "s", pathStyle: false)
        #expect(virtual.hostHeader == "media.s3.eu-west-1.amazonaws.com")
        #expect(virtual.bucketURL.absoluteString == "https://media.s3.eu-west-1.amazonaws.com/")
        #expect(virtual.objectPath("x/y") == "/x/y")

        func refused(_ endpoint: String, bucket: String = "media", partSize: Int = S3Configuration.defaultPartSize) -> Bool {
            (try? S3Configuration(
                endpoint: URL(string: endpoint)!, bucket: bucket, region: "us-east-1", accessKeyID: "k", secretAccessKey: "s",
                partSize: partSize)) == nil
        }
        #expect(refused("ftp://127.0.0.1"))
        #expect(refused("http://127.0.0.1/prefix"))
        #expect(refused("http://127.0.0.1", bucket: ""))
        #expect(refused("http://127.0.0.1", partSize: S3Configuration.minimumPartSize - 1))
        #expect(!refused("http://127.0.0.1", partSize: S3Configuration.minimumPartSize))
    }

    @Test("an <Error> document in a 200 is told from a CompleteMultipartUploadResult")
    func completeAnswer() {
        let error = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>"
        let result = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><ETag>&quot;x-3&quot;</ETag></CompleteMultipartUploadResult>"
        #expect(S3XML.hasRoot("Error", in: error))
        #expect(!S3XML.hasRoot("Error", in: result))
        #expect(!S3XML.hasRoot("Error", in: "<Errors/>"))
        #expect(S3XML.hasRoot("CompleteMultipartUploadResult", in: result))
        #expect(S3XML.firstText(of: "ETag", in: result) == "\"x-3\"")
        #expect(S3BlobStorage.failure("CompleteMultipartUpload", status: 200, answer: error)
            == .failed("CompleteMultipartUpload answered 200 (InternalError: We encountered an internal error.)"))
    }
}
