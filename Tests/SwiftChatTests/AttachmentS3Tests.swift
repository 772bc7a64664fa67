import AsyncHTTPClient
import Foundation
import HummingbirdTesting
import NIOCore
import Testing
@testable import SwiftChatCore
@testable import SwiftChatS3
@testable import SwiftChatServer

/// The whole attachment path with the S3 storage on (moto's server): uploads streamed into the
/// bucket, download links redirected to presigned GETs, and the presigned-POST form straight
/// into the bucket, completed through the API.
@Suite("Attachments on S3")
struct AttachmentS3Tests {
    /// The server that accepts presigned requests (see `S3BlobStorageTests`).
    static let endpoint = TestBackends.s3OpenURL ?? TestBackends.s3URL

    static func withS3App(_ body: @escaping @Sendable (any TestClientProtocol, AppRuntime) async throws -> Void) async throws {
        let url = try #require(endpoint, "SWIFTCHAT_TEST_S3_URL")
        let bucket = "swiftchat-app-" + UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: "")
        let storage = try S3BlobStorageTests.makeStorage(endpoint: url, bucket: bucket)
        try await storage.createBucketIfMissing()
        try await withApp(environment: [
            "SWIFTCHAT_S3_BUCKET": bucket, "SWIFTCHAT_S3_ENDPOINT": url,
            "SWIFTCHAT_S3_ACCESS_KEY_ID": TestBackends.s3AccessKeyID ?? "test",
            "SWIFTCHAT_S3_SECRET_ACCESS_KEY": TestBackends.s3SecretAccessKey ?? "test",
        ], body)
    }

    static func fetch(_ url: String) async throws -> (UInt, Data) {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(30))
        return (response.status.code, Data(buffer: try await response.body.collect(upTo: 1 << 24)))
    }

    @Test("an upload lands in the bucket, and its link redirects to a presigned GET of it",
          .enabled(if: S3BlobStorageTests.serverAvailable, "needs SWIFTCHAT_TEST_S3_URL (scripts/test_backends.sh start)"))
    func uploadAndRedirect() async throws {
        try await Self.withS3App { client, runtime in
            let cast = try await client.cast()
            #expect(runtime.storage.kind == "s3")
            // Parts of a multipart upload are `S3BlobStorageTests`' concern; a small file keeps
            // this test light beside the rest of the suite.
            let file = SampleFile.pngHeader(width: 32, height: 16, padding: 300_000)
            let uploaded = try await client.uploadFile(file, name: "big.png", by: cast.alice)
            let url = try #require(uploaded["url"] as? String)
            let redirect = try await client.download(url)
            #expect(redirect.status == .found)
            let location = try #require(redirect.headers[.location])
            let endpoint = try #require(Self.endpoint)
            #expect(location.hasPrefix(endpoint))
            let (status, bytes) = try await Self.fetch(location)
            #expect(status == 200)
            #expect(bytes == Data(file), "the bucket holds the file as uploaded")
        }
    }

    @Test("the presigned POST goes straight into the bucket; complete makes it an attachment, or deletes what is refused",
          .enabled(if: S3BlobStorageTests.serverAvailable, "needs SWIFTCHAT_TEST_S3_URL (scripts/test_backends.sh start)"))
    func presignedForm() async throws {
        try await Self.withS3App { client, runtime in
            let cast = try await client.cast()
            for (file, accepted) in [(SampleFile.pdf, true), (SampleFile.html, false)] {
                let form = try await client.call(.get, "/api/v2/uploads/form/", token: cast.alice.access)
                #expect(form.status == .ok)
                let address = try #require(form.dictionary["url"] as? String)
                let url = try #require(URL(string: address))
                let fields = try #require(form.dictionary["fields"] as? [String: String])
                let key = try #require(form.dictionary["key"] as? String)
                let token = try #require(form.dictionary["token"] as? String)
                let order = ["key", "policy", "x-amz-algorithm", "x-amz-credential", "x-amz-date", "x-amz-signature"]
                let posted = try await S3BlobStorageTests.post(
                    DirectUploadForm(url: url, fields: order.compactMap { name in fields[name].map { (name, $0) } }), file: Data(file))
                #expect(posted / 100 == 2)

                let complete = try await client.call(.post, "/api/v2/uploads/complete/",
                    json: #"{"key": "\#(key)", "token": "\#(token)", "name": "doc.pdf"}"#, token: cast.alice.access)
                if accepted {
                    #expect(complete.status == .created, "\(complete.text)")
                    #expect(complete.dictionary["type"] as? String == "application/pdf")
                } else {
                    #expect(complete.status == .unsupportedMediaType, "\(complete.text)")
                    #expect(try await runtime.storage.size(of: key) == nil, "a refused file does not stay in the bucket")
                }
                // Rahul cannot complete Alice's form.
                let stolen = try await client.call(.post, "/api/v2/uploads/complete/",
                    json: #"{"key": "\#(key)", "token": "\#(token)"}"#, token: cast.rahul.access)
                #expect(stolen.status == .badRequest)
            }
        }
    }
}
