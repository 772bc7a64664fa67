import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// Who may put files in and get them out, and how they are served: the upload form's expiry,
/// membership checked at download, the allowed types, and inline against download.
@Suite("Attachment access")
struct AttachmentAccessTests {
    @Test("an upload form is refused once it has expired, and stores nothing")
    func expiredUploadForm() async throws {
        let clock = TestClock()
        try await withApp(clock: clock) { client, runtime in
            let cast = try await client.cast()
            let form = try await client.call(.get, "/api/v2/uploads/form/", token: cast.alice.access)
            #expect(form.status == .ok, "\(form.text)")
            let url = try #require(form.dictionary["url"] as? String)
            let lifetime = UploadController.formLifetime
            #expect(form.dictionary["expires_at"] as? String == ISOTimestamp.string(clock.now.addingTimeInterval(lifetime)), "\(form.text)")

            clock.advance(by: lifetime + 1)
            let late = try await client.upload(MultipartBody(file: SampleFile.pdf, name: "late.pdf"), by: Session?.none, path: url)
            #expect(late.status == .unauthorized, "\(late.text)")
            #expect(late.headers[.contentType] == "application/json")
            #expect(late.dictionary["code"] as? String == "form_invalid", "\(late.text)")
            #expect(try await runtime.store.attachmentTotals().count == 0)
            #expect(MediaFolder(runtime).storedFiles.isEmpty && MediaFolder(runtime).temporaryFiles.isEmpty)

            // A form handed out now works: only the expiry refused the old one.
            let fresh = try #require(try await client.call(.get, "/api/v2/uploads/form/", token: cast.alice.access).dictionary["url"] as? String)
            let posted = try await client.upload(MultipartBody(file: SampleFile.pdf, name: "fresh.pdf"), by: Session?.none, path: fresh)
            #expect(posted.status == .created, "\(posted.text)")
        }
    }

    @Test("a member removed from a group can no longer download, even with a link made just before")
    func removedMember() async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            let group = try await client.createGroup("Team", by: cast.alice, members: [cast.rahul])
            let file = SampleFile.pngHeader(width: 20, height: 10, padding: 100)
            let id = AttachmentRouteTests.int(try await client.uploadFile(file, name: "plan.png", by: cast.alice)["id"])
            #expect(try await client.postAttachments([id], text: "plan", in: group, by: cast.alice).status == .created)

            let shown = try await client.call(.get, "/api/v2/attachments/\(id)/", token: cast.rahul.access)
            let link = try #require(shown.dictionary["url"] as? String)
            let thumbnailLink = try #require(shown.dictionary["thumbnail_url"] as? String)
            #expect(try await client.download(link).body == file, "a member downloads")

            let removed = try await client.call(.delete, "/api/v2/conversations/\(group)/members/\(cast.rahul.id)/", token: cast.alice.access)
            #expect(removed.status == .noContent, "\(removed.text)")
            for url in [link, thumbnailLink] {
                let refused = try await client.download(url)
                #expect(refused.status == .notFound, "\(url): \(refused.status)")
                #expect(refused.headers[.contentType] == "application/json")
                #expect(refused.body != file)
            }
            #expect(try await client.call(.get, "/api/v2/attachments/\(id)/", token: cast.rahul.access).status == .notFound,
                    "no new link for him either")
            let stillMember = try await client.call(.get, "/api/v2/attachments/\(id)/", token: cast.alice.access)
            #expect(try await client.download(try #require(stillMember.dictionary["url"] as? String)).body == file, "the others still download")
        }
    }

    /// Media and PDF shown in place; documents saved. Every answer: nosniff and a sandboxing CSP.
    static let servedFiles: [(fixture: String, name: String, inline: Bool)] = [
        ("PDF", "report.pdf", true), ("MP4", "clip.mp4", true), ("WebM", "clip.webm", true),
        ("MP3 frames", "song.mp3", true), ("Ogg Vorbis", "song.ogg", true), ("WAV", "sound.wav", true),
        ("DOCX", "letter.docx", false), ("XLSX", "sheet.xlsx", false), ("ODT", "letter.odt", false), ("RTF", "notes.rtf", false),
    ]

    @Test("PDF, video and audio are served inline, office documents as downloads, all with nosniff and a sandbox")
    func dispositionByType() async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            for (fixtureName, name, inline) in Self.servedFiles {
                let fixture = try #require(ContentSnifferTests.cases.first { $0.name == fixtureName })
                let uploaded = try await client.uploadFile(fixture.bytes, name: name, by: cast.alice)
                #expect(uploaded["type"] as? String == fixture.mimeType, "\(name)")
                let served = try await client.download(try #require(uploaded["url"] as? String))
                #expect(served.status == .ok && served.body == fixture.bytes, "\(name)")
                #expect(served.headers[.contentType] == fixture.mimeType, "\(name)")
                let disposition = served.headers[.contentDisposition] ?? ""
                #expect(disposition.hasPrefix(inline ? "inline;" : "attachment;"), "\(name): \(disposition)")
                #expect(disposition.contains("filename=\"\(name)\""), "\(name): \(disposition)")
                #expect(served.headers[.xContentTypeOptions] == "nosniff", "\(name)")
                #expect(served.headers[.contentSecurityPolicy]?.hasSuffix("sandbox") == true, "\(name): \(served.headers[.contentSecurityPolicy] ?? "no CSP")")
            }
        }
    }

    @Test("with SWIFTCHAT_UPLOAD_TYPES narrowed to images, a PDF is a JSON 415 and an image still goes")
    func narrowedTypes() async throws {
        try await withApp(environment: ["SWIFTCHAT_UPLOAD_TYPES": "image/png, image/jpeg"]) { client, runtime in
            let cast = try await client.cast()
            let refused = try await client.upload(MultipartBody(file: SampleFile.pdf, name: "report.pdf"), by: cast.alice)
            #expect(refused.status == .unsupportedMediaType, "\(refused.text)")
            #expect(refused.headers[.contentType] == "application/json")
            #expect(refused.dictionary["code"] as? String == "unsupported_file")
            #expect((refused.dictionary["detail"] as? String)?.contains("application/pdf") == true, "\(refused.text)")
            #expect(try await runtime.store.attachmentTotals().count == 0)
            #expect(MediaFolder(runtime).storedFiles.isEmpty)

            let png = try await client.uploadFile(SampleFile.pngHeader(width: 4, height: 4), name: "dot.png", by: cast.alice)
            #expect(png["type"] as? String == "image/png")
        }
    }
}
