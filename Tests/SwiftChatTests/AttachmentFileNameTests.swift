import Foundation
import Testing
@testable import SwiftChatCore

@Suite("Attachment file names")
struct AttachmentFileNameTests {
    static let png = SniffedContent(mimeType: "image/png", category: .image, width: 1, height: 1, fileExtension: "png")
    static let jpeg = SniffedContent(mimeType: "image/jpeg", category: .image, fileExtension: "jpg")
    static let text = SniffedContent(mimeType: "text/plain", category: .document, fileExtension: "txt")
    static let pdf = SniffedContent(mimeType: "application/pdf", category: .document, fileExtension: "pdf")

    @Test(arguments: [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\x.png", "x.png"),
        ("C:\\Users\\me\\Pictures\\holiday.jpg", "holiday.jpg"),
        ("/srv/uploads/", "file"),
        ("folder/..", "file"),
        ("a\u{0}b\u{7}c\u{1B}.txt", "abc.txt"),
        ("invoice\u{202E}fdp.exe", "invoicefdp.exe"),
        ("\u{2066}report\u{2069}\u{200F}.pdf", "report.pdf"),
        ("\u{FEFF}bom.txt", "bom.txt"),
        ("  ..hidden..  ", "hidden"),
        ("trailing dots...", "trailing dots"),
        ("a \t\n\u{A0}\u{3000} b.txt", "a b.txt"),
        ("line\r\nbreak.txt", "line break.txt"),
        ("", "file"),
        ("...", "file"),
        (" \u{202E} ", "file"),
        ("Ünïcödé 名前 🎉.pdf", "Ünïcödé 名前 🎉.pdf"),
    ])
    func cleans(_ raw: String, _ expected: String) {
        #expect(AttachmentFileName.sanitized(raw) == expected)
        #expect(AttachmentFileName.sanitized(expected) == expected, "cleaning is idempotent")
    }

    @Test func separatorsBehindCombiningMarksStillSplit() {
        #expect(AttachmentFileName.sanitized("..\u{301}/..\u{301}/etc\u{301}/passwd") == "passwd")
    }

    @Test func longNamesAreCutAtCharactersAndKeepTheirExtension() {
        let long = AttachmentFileName.sanitized(String(repeating: "a", count: 300) + ".pdf")
        #expect(long.count == AttachmentFileName.maxLength)
        #expect(long.hasSuffix("aaa.pdf"))

        let family = "👨‍👩‍👧‍👦"
        let emoji = AttachmentFileName.sanitized(String(repeating: family, count: 200))
        #expect(emoji.count <= AttachmentFileName.maxLength && !emoji.isEmpty)
        #expect(emoji.allSatisfy { $0 == Character(family) }, "no cluster is split")

        let accents = AttachmentFileName.sanitized(String(repeating: "e\u{301}", count: 500))
        #expect(accents.count == AttachmentFileName.maxLength)
        #expect(accents.unicodeScalars.count == 2 * AttachmentFileName.maxLength)

        // One cluster of thousands of marks is bounded in bytes as well.
        let zalgo = AttachmentFileName.sanitized("z" + String(repeating: "\u{301}", count: 5000) + "ok.txt")
        #expect(zalgo.utf8.count <= 480)
        #expect(AttachmentFileName.sanitized(zalgo) == zalgo)

        let spaced = AttachmentFileName.sanitized(String(repeating: "a", count: 118) + "  b.c.d")
        #expect(spaced.count <= AttachmentFileName.maxLength && !spaced.hasSuffix(" ") && !spaced.hasSuffix("."))
    }

    @Test(arguments: [
        ("photo.exe", AttachmentFileNameTests.png, "photo.exe.png"),
        ("photo.PNG", AttachmentFileNameTests.png, "photo.PNG"),
        ("photo", AttachmentFileNameTests.png, "photo.png"),
        ("IMG_0001.JPEG", AttachmentFileNameTests.jpeg, "IMG_0001.JPEG"),
        ("IMG_0001.jpg", AttachmentFileNameTests.jpeg, "IMG_0001.jpg"),
        ("scan.png", AttachmentFileNameTests.jpeg, "scan.png.jpg"),
        ("notes.md", AttachmentFileNameTests.text, "notes.md"),
        ("data.CSV", AttachmentFileNameTests.text, "data.CSV"),
        ("run.js", AttachmentFileNameTests.text, "run.js.txt"),
        ("page.html", AttachmentFileNameTests.text, "page.html.txt"),
        ("", AttachmentFileNameTests.pdf, "file.pdf"),
        ("../../secret", AttachmentFileNameTests.pdf, "secret.pdf"),
        (".pdf", AttachmentFileNameTests.pdf, "pdf.pdf"),
        ("my file.final draft", AttachmentFileNameTests.pdf, "my file.final draft.pdf"),
    ])
    func extensionAgreesWithTheContent(_ raw: String, _ content: SniffedContent, _ expected: String) {
        #expect(AttachmentFileName.sanitized(raw, for: content) == expected)
    }

    @Test func anAddedExtensionFitsTheLimit() {
        let name = AttachmentFileName.sanitized(String(repeating: "x", count: 200) + ".exe", for: Self.png)
        #expect(name.count == AttachmentFileName.maxLength)
        #expect(name.hasSuffix(".png"))
        #expect(AttachmentFileName.sanitized(name, for: Self.png) == name)
    }

    @Test func dispositionOfAnASCIIName() {
        #expect(AttachmentFileName.contentDisposition(.attachment, fileName: "report-2024_v2.pdf")
            == "attachment; filename=\"report-2024_v2.pdf\"; filename*=UTF-8''report-2024_v2.pdf")
    }

    @Test func dispositionOfOtherNames() {
        #expect(AttachmentFileName.contentDisposition(.inline, fileName: "résumé \"final\".pdf")
            == "inline; filename=\"r_sum_ final.pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22final%22.pdf")
        #expect(AttachmentFileName.contentDisposition(.attachment, fileName: "日本.txt")
            == "attachment; filename=\"__.txt\"; filename*=UTF-8''%E6%97%A5%E6%9C%AC.txt")
        #expect(AttachmentFileName.contentDisposition(.attachment, fileName: "it's (100%) done;.txt")
            == "attachment; filename=\"it's (100%) done;.txt\"; filename*=UTF-8''it%27s%20%28100%25%29%20done%3B.txt")
        #expect(AttachmentFileName.contentDisposition(.attachment, fileName: "\"\"")
            == "attachment; filename=\"file\"; filename*=UTF-8''%22%22")
    }

    @Test func dispositionCannotCarryHeaderBreaks() {
        let value = AttachmentFileName.contentDisposition(.attachment, fileName: "a\r\nSet-Cookie: x=1\u{0}.txt")
        #expect(!value.contains("\r") && !value.contains("\n") && !value.contains("\u{0}"))
        #expect(value.hasPrefix("attachment; filename=\"a Set-Cookie: x=1.txt\""))
        let ascii = value.unicodeScalars.allSatisfy { $0.isASCII && $0.value >= 0x20 && $0.value != 0x7F }
        #expect(ascii)
    }
}
