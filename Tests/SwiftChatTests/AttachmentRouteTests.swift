import Foundation
import HTTPTypes
import HummingbirdTesting
import Crypto
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// Uploads, messages carrying them, and downloads by signed link, over the routes.
@Suite("Attachments")
struct AttachmentRouteTests {
    static func int(_ value: Any?) -> Int64 { (value as? NSNumber)?.int64Value ?? -1 }

    @Test("an upload is typed by its content, carried by a message, and downloaded by members with Range")
    func uploadPostDownload() async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            let group = try await client.createGroup("Photos", by: cast.alice, members: [cast.rahul])
            let file = SampleFile.pngHeader(width: 640, height: 480, padding: 5000)
            let uploaded = try await client.uploadFile(file, name: "holiday.PNG", by: cast.alice)
            #expect(uploaded["name"] as? String == "holiday.PNG")
            #expect(uploaded["type"] as? String == "image/png")
            #expect(Self.int(uploaded["size"]) == Int64(file.count))
            #expect(uploaded["sha256"] as? String == SHA256.hash(data: Data(file)).map { String(format: "%02x", $0) }.joined())
            #expect(Self.int(uploaded["width"]) == 640 && Self.int(uploaded["height"]) == 480)
            #expect((uploaded["url"] as? String)?.contains("viewer=\(cast.alice.id)") == true)
            let id = Self.int(uploaded["id"])

            let posted = try await client.postAttachments([id], text: nil, in: group, by: cast.alice)
            #expect(posted.status == .created, "\(posted.text)")
            let carried = (posted.dictionary["attachments"] as? [[String: Any]]) ?? []
            #expect(carried.map { Self.int($0["id"]) } == [id])
            #expect(posted.dictionary["text"] as? String == "")

            // Rahul sees the message with links made for him.
            let page = try await client.call(.get, "/api/v2/conversations/\(group)/messages/", token: cast.rahul.access)
            let message = try #require((page.dictionary["results"] as? [[String: Any]])?.last)
            let attachment = try #require((message["attachments"] as? [[String: Any]])?.first)
            let url = try #require(attachment["url"] as? String)
            #expect(url.contains("viewer=\(cast.rahul.id)"))
            #expect(attachment["thumbnail_url"] is String)

            let whole = try await client.download(url)
            #expect(whole.status == .ok)
            #expect(whole.body == file)
            #expect(whole.headers[.contentType] == "image/png")
            #expect(whole.headers[.xContentTypeOptions] == "nosniff")
            #expect(whole.headers[.contentSecurityPolicy]?.contains("sandbox") == true)
            #expect(whole.headers[.contentDisposition]?.hasPrefix("inline; filename=\"holiday.PNG\"") == true)

            let part = try await client.download(url, headers: [.range: "bytes=10-19"])
            #expect(part.status == .partialContent)
            #expect(part.body == Array(file[10...19]))
            #expect(part.headers[.contentRange] == "bytes 10-19/\(file.count)")
            let tail = try await client.download(url, headers: [.range: "bytes=-4"])
            #expect(tail.body == Array(file.suffix(4)))
            let outside = try await client.download(url, headers: [.range: "bytes=999999-"])
            #expect(outside.status == .rangeNotSatisfiable)
            #expect(outside.headers[.contentRange] == "bytes */\(file.count)")

            // The link is Rahul's: naming Maria in it breaks the signature; Maria cannot see it at all.
            let forged = try await client.download(url.replacingOccurrences(of: "viewer=\(cast.rahul.id)", with: "viewer=\(cast.maria.id)"))
            #expect(forged.status == .unauthorized)
            #expect(String(decoding: forged.body, as: UTF8.self).contains("link_invalid"))
            let tampered = try await client.download(String(url.dropLast()) + (url.hasSuffix("0") ? "1" : "0"))
            #expect(tampered.status == .unauthorized)
            let hidden = try await client.call(.get, "/api/v2/attachments/\(id)/", token: cast.maria.access)
            #expect(hidden.status == .notFound)
            let shown = try await client.call(.get, "/api/v2/attachments/\(id)/", token: cast.rahul.access)
            #expect(shown.status == .ok && Self.int(shown.dictionary["id"]) == id)

            // Events carry the attachment, with the reader's own links.
            let events = try await client.call(.get, "/api/v2/events/?since=0", token: cast.rahul.access)
            let created = (events.dictionary["events"] as? [[String: Any]] ?? []).last { $0["type"] as? String == "message.created" }
            let eventAttachment = ((created?["data"] as? [String: Any])?["message"] as? [String: Any])?["attachments"] as? [[String: Any]]
            #expect((eventAttachment?.first?["url"] as? String)?.contains("viewer=\(cast.rahul.id)") == true, "\(events.text)")
        }
    }

    @Test("a message takes only the sender's own unused uploads, each once")
    func attachmentOwnership() async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            let group = try await client.createGroup("Rules", by: cast.alice, members: [cast.rahul])
            let alices = Self.int(try await client.uploadFile(SampleFile.pdf, name: "a.pdf", by: cast.alice)["id"])
            let rahuls = Self.int(try await client.uploadFile(SampleFile.pdf, name: "r.pdf", by: cast.rahul)["id"])

            let stolen = try await client.postAttachments([rahuls], text: "mine now", in: group, by: cast.alice)
            #expect(stolen.status == .badRequest)
            #expect(stolen.text.contains("attachments"))
            let twice = try await client.postAttachments([alices, alices], text: "x", in: group, by: cast.alice)
            #expect(twice.status == .badRequest)
            let missing = try await client.postAttachments([alices, 987_654], text: "x", in: group, by: cast.alice)
            #expect(missing.status == .badRequest)
            let page = try await client.call(.get, "/api/v2/conversations/\(group)/messages/", token: cast.alice.access)
            #expect((page.dictionary["results"] as? [Any])?.isEmpty == true, "a refused post stores nothing, and takes no attachment")

            #expect(try await client.postAttachments([alices], text: "first", in: group, by: cast.alice).status == .created)
            let again = try await client.postAttachments([alices], text: "second", in: group, by: cast.alice)
            #expect(again.status == .badRequest, "an attachment is carried by one message only")
            let empty = try await client.postAttachments([], text: nil, in: group, by: cast.alice)
            #expect(empty.status == .badRequest)
        }
    }

    @Test("hostile uploads are refused with JSON and leave nothing stored")
    func hostileUploads() async throws {
        try await withApp(environment: ["SWIFTCHAT_UPLOAD_MAX_SIZE": "20000"]) { client, runtime in
            let cast = try await client.cast()
            let cases: [(String, MultipartBody, HTTPResponse.Status, String)] = [
                ("empty", MultipartBody(file: [], name: "e.png"), .badRequest, "empty"),
                ("html named .png", MultipartBody(file: SampleFile.html, name: "cat.png"), .unsupportedMediaType, "unsupported_file"),
                ("a zip named .png", MultipartBody(file: SampleFile.zip, name: "cat.png"), .unsupportedMediaType, "unsupported_file"),
                ("pixel bomb", MultipartBody(file: SampleFile.pngHeader(width: 100_000, height: 100_000), name: "bomb.png"),
                 .unsupportedMediaType, "pixels"),
                ("too large", MultipartBody(file: SampleFile.pngHeader(width: 10, height: 10, padding: 30_000)), .contentTooLarge, "larger"),
                ("truncated", MultipartBody(file: SampleFile.pngHeader(width: 10, height: 10, padding: 300), truncated: true), .badRequest, "truncated"),
                ("no file", MultipartBody(file: nil, fields: [("name", "x")]), .badRequest, "No file"),
            ]
            for (label, body, status, words) in cases {
                let reply = try await client.upload(body, by: cast.alice)
                #expect(reply.status == status, "\(label): \(reply.status) \(reply.text)")
                #expect(reply.headers[.contentType] == "application/json", "\(label)")
                #expect(reply.text.contains(words), "\(label): \(reply.text)")
            }
            let notMultipart = try await client.call(.post, "/api/v2/uploads/", json: #"{"file": "x"}"#, token: cast.alice.access)
            #expect(notMultipart.status == .unsupportedMediaType)
            let anonymous = try await client.upload(MultipartBody(file: SampleFile.pdf), by: Session?.none)
            #expect(anonymous.status == .unauthorized)

            let traversal = try await client.uploadFile(SampleFile.pdf, name: "../../etc/passwd", by: cast.alice)
            #expect(traversal["name"] as? String == "passwd.pdf")
            // As Chromium writes quotes and line breaks in a file name; the `;` stays inside the quotes.
            let quoted = try await client.uploadFile(SampleFile.pdf, name: "say %22hi%22%0D%0Anow; 100%25.pdf", by: cast.alice)
            #expect(quoted["name"] as? String == "say \"hi\" now; 100%25.pdf")
            #expect(try await runtime.store.attachmentTotals().count == 2, "only the good uploads were kept")
            let media = MediaFolder(runtime)
            #expect(media.storedFiles.count == 2 && media.temporaryFiles.isEmpty, "one file on disk each: \(media.storedFiles), \(media.temporaryFiles)")
        }
    }

    @Test("a body that says it is too large is refused before it is read")
    func declaredTooLarge() async throws {
        try await withApp(.live, environment: ["SWIFTCHAT_UPLOAD_MAX_SIZE": "20000"]) { client, _ in
            let cast = try await client.cast()
            let connection = try RawTCPConnection(port: try client.livePort())
            _ = await connection.send("""
                POST /api/v2/uploads/ HTTP/1.1\r\nHost: localhost\r\nAuthorization: JWT \(cast.alice.access)\r\n\
                Content-Type: multipart/form-data; boundary=\(MultipartBody.boundary)\r\nContent-Length: 900000000\r\n\r\n
                """)
            let answer = await connection.read(until: "}", timeout: .seconds(10))
            #expect(answer?.hasPrefix("HTTP/1.1 413") == true, "\(answer ?? "no answer")")
        }
    }

    @Test("the quota holds across concurrent uploads")
    func quota() async throws {
        try await withApp(environment: ["SWIFTCHAT_UPLOAD_QUOTA": "30000"]) { client, runtime in
            let cast = try await client.cast()
            let file = SampleFile.pngHeader(width: 8, height: 8, padding: 12_000)
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for _ in 0..<6 { group.addTask { try await client.upload(MultipartBody(file: file), by: cast.alice).status } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .created }.count <= 2)
            #expect(statuses.allSatisfy { $0 == .created || $0 == .contentTooLarge }, "\(statuses)")
            #expect(try await runtime.store.storageUsed(by: UserID(rawValue: cast.alice.id)) <= 30000)
            // Until the quota is full, uploads go on.
            while try await runtime.store.storageUsed(by: UserID(rawValue: cast.alice.id)) + Int64(file.count) <= 30000 {
                #expect(try await client.upload(MultipartBody(file: file), by: cast.alice).status == .created)
            }
            #expect(try await client.upload(MultipartBody(file: file), by: cast.alice).status == .contentTooLarge)
            #expect(try await client.upload(MultipartBody(file: file), by: cast.rahul).status == .created, "a quota is per user")
        }
    }

    @Test("links expire; documents download as attachments")
    func expiryAndDisposition() async throws {
        let clock = TestClock()
        try await withApp(environment: ["SWIFTCHAT_ATTACHMENT_LINK_LIFETIME": "10m"], clock: clock) { client, _ in
            let cast = try await client.cast()
            let text = Array("just some notes\n".utf8)
            let uploaded = try await client.uploadFile(text, name: "notes.md", by: cast.alice)
            #expect(uploaded["type"] as? String == "text/plain")
            let url = try #require(uploaded["url"] as? String)
            let fetched = try await client.download(url)
            #expect(fetched.status == .ok && fetched.body == text)
            #expect(fetched.headers[.contentDisposition]?.hasPrefix("attachment;") == true)
            #expect(fetched.headers[.contentType] == "text/plain; charset=utf-8")
            clock.advance(by: 3600)
            let late = try await client.download(url)
            #expect(late.status == .unauthorized)
            #expect(String(decoding: late.body, as: UTF8.self).contains("link_expired"))
        }
    }

    @Test("uploads no message took, and files of deleted messages, are swept from the storage")
    func sweeping() async throws {
        let clock = TestClock()
        try await withApp(environment: ["SWIFTCHAT_UNATTACHED_UPLOAD_LIFETIME": "1h"], clock: clock) { client, runtime in
            let cast = try await client.cast()
            let interest = try await client.sendInterest(from: cast.alice, to: cast.rahul)
            try await client.acceptInterest(interest, by: cast.rahul)
            let direct = try await client.directConversation(of: interest, for: cast.alice)
            let kept = Self.int(try await client.uploadFile(SampleFile.pdf, name: "kept.pdf", by: cast.alice)["id"])
            let forgotten = Self.int(try await client.uploadFile(SampleFile.pdf, name: "forgotten.pdf", by: cast.alice)["id"])
            #expect(try await client.postAttachments([kept], text: "see", in: direct, by: cast.alice).status == .created)
            let keys = try await [kept, forgotten].asyncMap { try #require(try await runtime.store.attachment(id: AttachmentID(rawValue: $0))).storageKey }

            clock.advance(by: 2 * 3600)
            #expect(try await runtime.mediaSweeper.sweep() == 1)
            #expect(try await runtime.storage.size(of: keys[1]) == nil, "the unattached upload went")
            #expect(try await runtime.storage.size(of: keys[0]) != nil, "the attached one stays")

            // Deleting the interest deletes its conversation, messages and their files.
            try await client.deleteInterest(interest, by: cast.alice)
            #expect(try await runtime.mediaSweeper.sweep() == 1)
            #expect(try await runtime.storage.size(of: keys[0]) == nil)
            #expect(try await runtime.store.attachmentTotals().count == 0)
        }
    }

    @Test("the presigned-form shape: a form whose URL carries a signed token, posted without a bearer")
    func uploadForm() async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            let form = try await client.call(.get, "/api/v2/uploads/form/", token: cast.alice.access)
            #expect(form.status == .ok)
            let url = try #require(form.dictionary["url"] as? String)
            #expect((form.dictionary["fields"] as? [String: Any])?.isEmpty == true)
            #expect(form.dictionary["expires_at"] is String)
            let posted = try await client.upload(MultipartBody(file: SampleFile.pdf, name: "form.pdf"), by: Session?.none, path: url)
            #expect(posted.status == .created, "\(posted.text)")
            #expect(posted.dictionary["type"] as? String == "application/pdf")
            // One character of the signature changed (always to another: a fixed "00" was the real
            // ending once in 256 forms).
            let forgedURL = String(url.dropLast()) + (url.hasSuffix("0") ? "1" : "0")
            let forged = try await client.upload(MultipartBody(file: SampleFile.pdf), by: Session?.none, path: forgedURL)
            #expect(forged.status == .unauthorized)
            #expect(forged.text.contains("form_invalid"))
        }
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}
