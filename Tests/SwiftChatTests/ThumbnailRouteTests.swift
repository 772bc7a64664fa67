import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// Thumbnails through the routes, made by the real vipsthumbnail off the request path.
@Suite("Thumbnail routes")
struct ThumbnailRouteTests {
    /// A stand-in that waits for `gate` to exist, then runs the real program with its arguments:
    /// the test decides when the thumbnail may be made.
    static func gatedProgram(in folder: URL, gate: URL) throws -> String {
        let real = try #require(ThumbnailMaker().executable, "vipsthumbnail (Debian's libvips-tools) is not installed")
        return try ThumbnailMakerTests.program("while [ ! -e '\(gate.path)' ]; do sleep 0.05; done\nexec '\(real)' \"$@\"", in: folder)
    }

    @Test(.enabled(if: ThumbnailMakerTests.programRuns, "needs vipsthumbnail (Debian's libvips-tools)"))
    func anUploadedImageGetsAJPEGThumbnailAfterItsAnswer() async throws {
        try await withTemporaryDirectory { folder in
            let gate = folder.appendingPathComponent("go")
            let program = try Self.gatedProgram(in: folder, gate: gate)
            try await withApp(environment: ["SWIFTCHAT_THUMBNAIL_PROGRAM": program]) { client, runtime in
                let cast = try await client.cast()
                let image = Array(ThumbnailMakerTests.png(width: 1200, height: 800))
                let uploaded = try await client.uploadFile(image, name: "wide.png", by: cast.alice)
                let id = AttachmentRouteTests.int(uploaded["id"])
                #expect(AttachmentRouteTests.int(uploaded["width"]) == 1200 && AttachmentRouteTests.int(uploaded["height"]) == 800)

                // Answered while the program still waits: no thumbnail yet, and its link shows the image itself.
                #expect(try await runtime.store.attachment(id: AttachmentID(rawValue: id))?.thumbnail == nil)
                let early = try await client.download(try #require(uploaded["thumbnail_url"] as? String))
                #expect(early.status == .ok)
                #expect(early.headers[.contentType] == "image/png")
                #expect(early.body == image)

                #expect(FileManager.default.createFile(atPath: gate.path, contents: nil))
                var thumbnail: ByteReply?
                let made = await eventually(within: .seconds(60)) {
                    guard let shown = try? await client.call(.get, "/api/v2/attachments/\(id)/", token: cast.alice.access),
                        let link = shown.dictionary["thumbnail_url"] as? String, let fetched = try? await client.download(link),
                        fetched.headers[.contentType] == "image/jpeg"
                    else { return false }
                    thumbnail = fetched
                    return true
                }
                #expect(made, "no thumbnail was served")
                let served = try #require(thumbnail)
                #expect(served.status == .ok)
                #expect(served.headers[.xContentTypeOptions] == "nosniff")
                guard case .recognized(let content) = ContentSniffer.sniff(Data(served.body), maxImagePixels: 1_000_000) else {
                    Issue.record("the thumbnail is no image: \(served.body.prefix(16))")
                    return
                }
                #expect(content.mimeType == "image/jpeg")
                let (width, height) = (try #require(content.width), try #require(content.height))
                #expect(max(width, height) <= ThumbnailMaker.maxSide)
                #expect(width == 320 && height == 213, "scaled to the long side, in proportion: \(width) × \(height)")
                let stored = try #require(try await runtime.store.attachment(id: AttachmentID(rawValue: id))?.thumbnail)
                #expect(stored.width == width && stored.height == height)
                #expect(MediaFolder(runtime).storedFiles.contains(stored.storageKey))
            }
        }
    }
}
