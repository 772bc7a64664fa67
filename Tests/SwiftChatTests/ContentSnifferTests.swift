import Foundation
import Testing
@testable import SwiftChatCore

@Suite("Content sniffing")
struct ContentSnifferTests {
    static let pixelLimit = 50_000_000

    static func sniff(_ bytes: [UInt8]) -> SniffOutcome {
        ContentSniffer.sniff(Data(bytes), maxImagePixels: pixelLimit)
    }

    static func recognized(_ bytes: [UInt8]) -> SniffedContent? {
        if case .recognized(let content) = sniff(bytes) { content } else { nil }
    }

    // MARK: Fixtures, built byte by byte

    static func ascii(_ text: String) -> [UInt8] { Array(text.utf8) }
    static func be16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
    static func le16(_ value: Int) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8 & 0xFF)] }
    static func be32(_ value: Int) -> [UInt8] { be16(value >> 16) + be16(value & 0xFFFF) }
    static func le32(_ value: Int) -> [UInt8] { le16(value & 0xFFFF) + le16(value >> 16) }
    static func le24(_ value: Int) -> [UInt8] { Array(le32(value).prefix(3)) }

    static func png(width: Int, height: Int) -> [UInt8] {
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + be32(13) + ascii("IHDR") + be32(width) + be32(height)
            + [8, 2, 0, 0, 0] + be32(0) + be32(0) + ascii("IEND") + be32(0)
    }

    static func jpegSegment(_ marker: UInt8, _ body: [UInt8]) -> [UInt8] {
        [0xFF, marker] + be16(body.count + 2) + body
    }

    /// SOI, JFIF, `exifBytes` of APP1 segments, a baseline frame header, a scan and EOI.
    static func jpeg(width: Int, height: Int, exifBytes: Int = 0) -> [UInt8] {
        var bytes: [UInt8] = [0xFF, 0xD8]
        bytes += jpegSegment(0xE0, ascii("JFIF") + [0, 1, 1, 0, 0, 1, 0, 1, 0, 0])
        var left = exifBytes
        while left > 0 {
            let chunk = min(left, 60_000)
            bytes += jpegSegment(0xE1, ascii("Exif") + [0, 0] + [UInt8](repeating: 0x2A, count: chunk))
            left -= chunk
        }
        bytes += [0xFF, 0xFF]  // a fill byte before the next marker
        bytes += jpegSegment(0xC0, [8] + be16(height) + be16(width) + [3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1])
        bytes += jpegSegment(0xDA, [3, 1, 0, 2, 0x11, 3, 0x11, 0, 0x3F, 0]) + [0x12, 0x34, 0xFF, 0x00, 0x56] + [0xFF, 0xD9]
        return bytes
    }

    static func gif(width: Int, height: Int) -> [UInt8] {
        ascii("GIF89a") + le16(width) + le16(height) + [0xF7, 0, 0] + [UInt8](repeating: 0, count: 24) + [0x3B]
    }

    static func riff(_ form: String, _ chunks: [UInt8]) -> [UInt8] {
        ascii("RIFF") + le32(chunks.count + 4) + ascii(form) + chunks
    }

    static func webpLossy(width: Int, height: Int) -> [UInt8] {
        let frame: [UInt8] = [0x30, 0x01, 0x00, 0x9D, 0x01, 0x2A] + le16(width) + le16(height) + [0, 0]
        return riff("WEBP", ascii("VP8 ") + le32(frame.count) + frame)
    }

    static func webpLossless(width: Int, height: Int) -> [UInt8] {
        let data: [UInt8] = [0x2F] + le32((width - 1) | (height - 1) << 14) + [0, 0, 0]
        return riff("WEBP", ascii("VP8L") + le32(data.count) + data)
    }

    static func webpExtended(width: Int, height: Int) -> [UInt8] {
        let data: [UInt8] = [0x10, 0, 0, 0] + le24(width - 1) + le24(height - 1)
        return riff("WEBP", ascii("VP8X") + le32(data.count) + data)
    }

    static func bmp(width: Int, height: Int) -> [UInt8] {
        ascii("BM") + le32(70) + le32(0) + le32(54) + le32(40) + le32(width) + le32(height) + le16(1) + le16(24)
            + [UInt8](repeating: 0, count: 24) + [UInt8](repeating: 0xFF, count: 16)
    }

    static func box(_ type: String, _ body: [UInt8]) -> [UInt8] {
        be32(body.count + 8) + ascii(type) + body
    }

    static func ftyp(_ major: String, _ compatible: [String] = []) -> [UInt8] {
        box("ftyp", ascii(major) + be32(0) + compatible.flatMap(ascii))
    }

    static func track(_ handler: String) -> [UInt8] {
        box("trak", box("tkhd", [UInt8](repeating: 0, count: 20)) + box("mdia", box("mdhd", [UInt8](repeating: 0, count: 24))
            + box("hdlr", [0, 0, 0, 0] + be32(0) + ascii(handler) + [UInt8](repeating: 0, count: 13))))
    }

    static func heic(width: Int, height: Int) -> [UInt8] {
        let ispe = box("ispe", be32(0) + be32(width) + be32(height))
        let tile = box("ispe", be32(0) + be32(512) + be32(512))
        return ftyp("heic", ["mif1", "heic"]) + box("meta", be32(0) + box("iprp", box("ipco", tile + ispe)))
    }

    /// An EBML element with a one-byte size.
    static func element(_ id: [UInt8], _ body: [UInt8]) -> [UInt8] {
        id + [0x80 | UInt8(body.count)] + body
    }

    static func matroska(docType: String, trackTypes: [UInt8]) -> [UInt8] {
        let header = element([0x1A, 0x45, 0xDF, 0xA3], element([0x42, 0x86], [1]) + element([0x42, 0x82], ascii(docType)))
        let entries = trackTypes.flatMap { element([0xAE], element([0xD7], [1]) + element([0x83], [$0])) }
        let tracks = element([0x16, 0x54, 0xAE, 0x6B], entries)
        // A live recording's segment: unknown size.
        return header + [0x18, 0x53, 0x80, 0x67, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] + tracks
            + [0x1F, 0x43, 0xB6, 0x75, 0xFF] + [UInt8](repeating: 0, count: 16)
    }

    static func oggPage(_ packet: [UInt8]) -> [UInt8] {
        ascii("OggS") + [0, 2] + [UInt8](repeating: 0, count: 20) + [1, UInt8(packet.count)] + packet
    }

    /// Two MPEG-1 layer III frames at 128 kbit/s and 44.1 kHz: 417 bytes each.
    static func mp3Frames() -> [UInt8] {
        let frame: [UInt8] = [0xFF, 0xFB, 0x90, 0x00] + [UInt8](repeating: 0, count: 413)
        return frame + frame
    }

    static func zipEntry(_ name: String, _ content: [UInt8]) -> [UInt8] {
        [0x50, 0x4B, 0x03, 0x04] + le16(20) + le16(0) + le16(0) + le32(0) + le32(0) + le32(content.count) + le32(content.count)
            + le16(name.utf8.count) + le16(0) + ascii(name) + content
    }

    static func zip(_ entries: [(String, String)]) -> [UInt8] {
        entries.flatMap { zipEntry($0.0, ascii($0.1)) } + [0x50, 0x4B, 0x05, 0x06] + [UInt8](repeating: 0, count: 18)
    }

    static func office(_ folder: String) -> [UInt8] {
        zip([("[Content_Types].xml", "<Types/>"), ("_rels/.rels", "<Relationships/>"), ("\(folder)/document.xml", "<x/>")])
    }

    static func openDocument(_ kind: String) -> [UInt8] {
        zip([("mimetype", "application/vnd.oasis.opendocument.\(kind)"), ("content.xml", "<office:document-content/>")])
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var bytes: [UInt8]
        var mimeType: String
        var category: MediaCategory
        var fileExtension: String
        var width: Int?
        var height: Int?

        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "PNG", bytes: png(width: 640, height: 480), mimeType: "image/png", category: .image, fileExtension: "png", width: 640, height: 480),
        Case(name: "JPEG", bytes: jpeg(width: 1024, height: 768), mimeType: "image/jpeg", category: .image, fileExtension: "jpg", width: 1024, height: 768),
        Case(name: "JPEG behind 200 KB of EXIF", bytes: jpeg(width: 4032, height: 3024, exifBytes: 200_000), mimeType: "image/jpeg",
            category: .image, fileExtension: "jpg", width: 4032, height: 3024),
        Case(name: "GIF", bytes: gif(width: 320, height: 200), mimeType: "image/gif", category: .image, fileExtension: "gif", width: 320, height: 200),
        Case(name: "WebP VP8", bytes: webpLossy(width: 800, height: 600), mimeType: "image/webp", category: .image, fileExtension: "webp", width: 800, height: 600),
        Case(name: "WebP VP8L", bytes: webpLossless(width: 123, height: 4567), mimeType: "image/webp", category: .image, fileExtension: "webp", width: 123, height: 4567),
        Case(name: "WebP VP8X", bytes: webpExtended(width: 5000, height: 3000), mimeType: "image/webp", category: .image, fileExtension: "webp", width: 5000, height: 3000),
        Case(name: "BMP", bytes: bmp(width: 16, height: -8), mimeType: "image/bmp", category: .image, fileExtension: "bmp", width: 16, height: 8),
        Case(name: "HEIC", bytes: heic(width: 4032, height: 3024), mimeType: "image/heic", category: .image, fileExtension: "heic", width: 4032, height: 3024),
        Case(name: "AVIF", bytes: ftyp("avif", ["mif1", "miaf"]), mimeType: "image/avif", category: .image, fileExtension: "avif"),
        Case(name: "AVIF by compatible brand", bytes: ftyp("mif1", ["avif"]), mimeType: "image/avif", category: .image, fileExtension: "avif"),
        Case(name: "MP4", bytes: ftyp("isom", ["isom", "iso2", "avc1", "mp41"]) + box("free", []), mimeType: "video/mp4", category: .video, fileExtension: "mp4"),
        Case(name: "MP4 with video and sound", bytes: ftyp("mp42", ["isom"]) + box("moov", track("soun") + track("vide")),
            mimeType: "video/mp4", category: .video, fileExtension: "mp4"),
        Case(name: "MP4 with sound only", bytes: ftyp("iso5", ["isom", "mp41"]) + box("moov", box("mvhd", [UInt8](repeating: 0, count: 100)) + track("soun")),
            mimeType: "audio/mp4", category: .audio, fileExtension: "m4a"),
        Case(name: "M4V", bytes: ftyp("M4V ", ["M4V ", "mp42", "isom"]), mimeType: "video/mp4", category: .video, fileExtension: "mp4"),
        Case(name: "QuickTime", bytes: ftyp("qt  ", ["qt  "]) + box("wide", []), mimeType: "video/quicktime", category: .video, fileExtension: "mov"),
        Case(name: "M4A", bytes: ftyp("M4A ", ["M4A ", "mp42", "isom"]), mimeType: "audio/mp4", category: .audio, fileExtension: "m4a"),
        Case(name: "WebM", bytes: matroska(docType: "webm", trackTypes: [1, 2]), mimeType: "video/webm", category: .video, fileExtension: "webm"),
        Case(name: "WebM voice recording", bytes: matroska(docType: "webm", trackTypes: [2]), mimeType: "audio/webm", category: .audio, fileExtension: "weba"),
        Case(name: "Matroska", bytes: matroska(docType: "matroska", trackTypes: [1]), mimeType: "video/x-matroska", category: .video, fileExtension: "mkv"),
        Case(name: "MP3 with ID3", bytes: ascii("ID3") + [4, 0, 0, 0, 0, 0x10, 0x00] + [UInt8](repeating: 0, count: 2048) + mp3Frames(),
            mimeType: "audio/mpeg", category: .audio, fileExtension: "mp3"),
        Case(name: "MP3 frames", bytes: mp3Frames(), mimeType: "audio/mpeg", category: .audio, fileExtension: "mp3"),
        Case(name: "Ogg Vorbis", bytes: oggPage([1] + ascii("vorbis") + [0, 0, 0, 0]), mimeType: "audio/ogg", category: .audio, fileExtension: "ogg"),
        Case(name: "Ogg Opus", bytes: oggPage(ascii("OpusHead") + [1, 2]), mimeType: "audio/ogg", category: .audio, fileExtension: "ogg"),
        Case(name: "Ogg Theora", bytes: oggPage([0x80] + ascii("theora") + [3, 2, 1]), mimeType: "video/ogg", category: .video, fileExtension: "ogv"),
        Case(name: "WAV", bytes: riff("WAVE", ascii("fmt ") + le32(16) + [UInt8](repeating: 1, count: 16)), mimeType: "audio/wav", category: .audio, fileExtension: "wav"),
        Case(name: "FLAC", bytes: ascii("fLaC") + [0x80, 0, 0, 0x22] + [UInt8](repeating: 0, count: 34), mimeType: "audio/flac", category: .audio, fileExtension: "flac"),
        Case(name: "PDF", bytes: ascii("%PDF-1.7\n%\u{E2}\u{E3}\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"), mimeType: "application/pdf", category: .document, fileExtension: "pdf"),
        Case(name: "DOCX", bytes: office("word"), mimeType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            category: .document, fileExtension: "docx"),
        Case(name: "XLSX", bytes: office("xl"), mimeType: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            category: .document, fileExtension: "xlsx"),
        Case(name: "PPTX", bytes: office("ppt"), mimeType: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
            category: .document, fileExtension: "pptx"),
        Case(name: "ODT", bytes: openDocument("text"), mimeType: "application/vnd.oasis.opendocument.text", category: .document, fileExtension: "odt"),
        Case(name: "ODS", bytes: openDocument("spreadsheet"), mimeType: "application/vnd.oasis.opendocument.spreadsheet", category: .document, fileExtension: "ods"),
        Case(name: "ODP", bytes: openDocument("presentation"), mimeType: "application/vnd.oasis.opendocument.presentation", category: .document, fileExtension: "odp"),
        Case(name: "zip", bytes: zip([("notes/a.txt", "hello"), ("word.txt", "not a folder")]), mimeType: "application/zip", category: .document, fileExtension: "zip"),
        Case(name: "empty zip", bytes: [0x50, 0x4B, 0x05, 0x06] + [UInt8](repeating: 0, count: 18), mimeType: "application/zip", category: .document, fileExtension: "zip"),
        Case(name: "RTF", bytes: ascii("{\\rtf1\\ansi\\deff0 {\\fonttbl {\\f0 Times;}} Hello}"), mimeType: "application/rtf", category: .document, fileExtension: "rtf"),
        Case(name: "text", bytes: ascii("Hello, world!\r\nTabs\tand form feeds\u{0C} are fine.\n"), mimeType: "text/plain", category: .document, fileExtension: "txt"),
        Case(name: "UTF-8 text with BOM", bytes: [0xEF, 0xBB, 0xBF] + ascii("héllo 日本語 🎉 x < y > z"), mimeType: "text/plain", category: .document, fileExtension: "txt"),
    ]

    // MARK: Tests

    @Test(arguments: ContentSnifferTests.cases)
    func recognizesEachType(_ fixture: Case) {
        let expected = SniffedContent(mimeType: fixture.mimeType, category: fixture.category, width: fixture.width, height: fixture.height,
            fileExtension: fixture.fileExtension)
        #expect(Self.sniff(fixture.bytes) == .recognized(expected))
    }

    @Test func refusesPixelBombs() {
        guard case .refused(let reason) = Self.sniff(Self.png(width: 100_000, height: 100_000)) else {
            Issue.record("a 100000 × 100000 PNG was not refused")
            return
        }
        #expect(reason.contains("100000 × 100000"))
        #expect(reason.contains("\(Self.pixelLimit)"))
        // Sides whose product does not fit in 64 bits.
        #expect(Self.refuses(Self.png(width: 0xFFFF_FFFF, height: 0xFFFF_FFFF)))
        #expect(Self.refuses(Self.gif(width: 0, height: 10)))
        #expect(Self.refuses(Self.jpeg(width: 20_000, height: 20_000)))
        #expect(Self.refuses(Self.webpExtended(width: 16_000_000, height: 16_000_000)))
        #expect(Self.refuses(Self.heic(width: 100_000, height: 100_000)))
        // Exactly at the limit is fine.
        #expect(Self.recognized(Self.png(width: 10_000, height: 5_000))?.width == 10_000)
    }

    static func refuses(_ bytes: [UInt8]) -> Bool {
        if case .refused = sniff(bytes) { true } else { false }
    }

    @Test func refusesPNGWithoutLeadingHeaderChunk() {
        var bytes = Self.png(width: 10, height: 10)
        bytes.replaceSubrange(12..<16, with: Self.ascii("tEXt"))
        #expect(Self.refuses(bytes))
        #expect(Self.refuses(Array(Self.png(width: 10, height: 10).prefix(20))))
        #expect(Self.refuses(Self.riff("WEBP", Self.ascii("JUNK") + Self.le32(4) + [0, 0, 0, 0])))
    }

    @Test func namesAndClaimsAreIgnored() {
        // What a client would upload as `photo.png`: the bytes say zip.
        let disguised = Self.zip([("payload.exe", "MZ")])
        let content = Self.recognized(disguised)
        #expect(content?.mimeType == "application/zip")
        #expect(content.map { AttachmentFileName.sanitized("photo.png", for: $0) } == "photo.png.zip")
    }

    @Test(arguments: [
        ("<!DOCTYPE html><html><body>hi</body></html>", "text/html"),
        ("\u{FEFF}  \n<HTML lang=en>", "text/html"),
        ("<script>alert(1)</script>", "text/html"),
        ("<!-- comment --> text", "text/html"),
        ("<iframe src=x>", "text/html"),
        ("<body onload=alert(1)>", "text/html"),
        ("Dear reader,\n\nsee <ScRiPt src=//evil.example/x.js></script>", "text/html"),
        ("notes\n<html>", "text/html"),
        ("<svg xmlns=\"http://www.w3.org/2000/svg\" onload=\"alert(1)\"/>", "image/svg+xml"),
        ("<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\"/>", "image/svg+xml"),
        ("<!doctype svg PUBLIC \"-//W3C//DTD SVG 1.1//EN\">", "image/svg+xml"),
        ("plain words, then <svg/onload=alert(1)>", "image/svg+xml"),
        ("<?xml version=\"1.0\"?><note><to>you</to></note>", "application/xml"),
        ("<?xml version=\"1.0\"?><html xmlns=\"http://www.w3.org/1999/xhtml\"/>", "text/html"),
        ("<!DOCTYPE note SYSTEM \"note.dtd\"><note/>", "application/xml"),
    ])
    func markupIsNamedForWhatItIs(_ text: String, _ mimeType: String) {
        #expect(Self.recognized(Self.ascii(text))?.mimeType == mimeType)
    }

    @Test func markupIsFoundInTextThatIsNotUTF8() {
        // Latin-1, so not text/plain, but a browser would still run it.
        #expect(Self.recognized(Self.ascii("caf") + [0xE9] + Self.ascii(" <script>x()</script>"))?.mimeType == "text/html")
    }

    @Test func angleBracketsAloneAreText() {
        #expect(Self.recognized(Self.ascii("if a < b && c > d { print(\"<b>\") }"))?.mimeType == "text/plain")
        #expect(Self.recognized(Self.ascii("<3 you"))?.mimeType == "text/plain")
        #expect(Self.recognized(Self.ascii("<abbr> is not one of the tags looked for at the start"))?.mimeType == "text/plain")
    }

    @Test(arguments: [
        [UInt8](),
        Array("nul\u{0}inside".utf8),
        Array("bell\u{7}".utf8),
        Array("escape \u{1B}[31m red".utf8),
        Array("delete\u{7F}".utf8),
        [0x63, 0x61, 0x66, 0xE9],  // Latin-1
        [0xC0, 0xAF],  // overlong
        [0xED, 0xA0, 0x80],  // a surrogate
        [0xC2, 0x85],  // U+0085, a C1 control
        [0x61, 0xE6, 0x97],  // cut at the end of a short file
        [0xFF, 0xFE, 0x68, 0x00, 0x69, 0x00],  // UTF-16
    ])
    func notText(_ bytes: [UInt8]) {
        #expect(Self.sniff(bytes) == .unrecognized)
    }

    @Test func aCharacterCutByTheHeadIsStillText() {
        // A head of exactly headerSize bytes may stop inside a character.
        let line = Array("日本語のテキスト\n".utf8)
        var head: [UInt8] = []
        while head.count < ContentSniffer.headerSize { head += line }
        head = Array(head.prefix(ContentSniffer.headerSize))
        #expect(head.last.map { $0 & 0xC0 == 0x80 || $0 >= 0xC0 } == true)
        #expect(Self.recognized(head)?.mimeType == "text/plain")
        // Bytes past the head are not looked at.
        #expect(Self.recognized(head + [0, 0, 0])?.mimeType == "text/plain")
    }

    @Test func truncatedJPEGHasNoSize() {
        let whole = Self.jpeg(width: 640, height: 480, exifBytes: 10_000)
        let sofAt = whole.count - 40
        for length in [3, 4, 20, 5_000, sofAt] {
            let content = Self.recognized(Array(whole.prefix(length)))
            #expect(content?.mimeType == "image/jpeg", "at \(length)")
            #expect(content?.width == nil && content?.height == nil, "at \(length)")
        }
        // A segment length pointing far past the end.
        let lying: [UInt8] = [0xFF, 0xD8, 0xFF, 0xE1, 0xFF, 0xFF, 0x00]
        #expect(Self.recognized(lying) == SniffedContent(mimeType: "image/jpeg", category: .image, fileExtension: "jpg"))
        // The size of a frame header cut short is not read from beyond it.
        let cut = [0xFF, 0xD8] + Self.jpegSegment(0xC0, [8, 0x01]).prefix(6)
        #expect(Self.recognized(Array(cut))?.width == nil)
    }

    @Test func officeEntriesPastTheFirstFewAreFound() {
        var entries = (0..<50).map { ("customXml/item\($0).xml", String(repeating: "x", count: 500)) }
        entries.append(("ppt/presentation.xml", "<p/>"))
        #expect(Self.recognized(Self.zip(entries))?.fileExtension == "pptx")
    }

    /// Random bytes, random bytes behind each signature, and every prefix and single-byte change
    /// of every fixture: none may crash or go out of bounds.
    @Test func hostileBytesNeverCrash() {
        var random = SeededRandom(seed: 0x5EED_CAFE)
        var seen = 0
        func check(_ bytes: [UInt8]) {
            switch Self.sniff(bytes) {
            case .recognized(let content): #expect(!content.fileExtension.isEmpty && !content.mimeType.isEmpty)
            case .refused(let reason): #expect(!reason.isEmpty)
            case .unrecognized: break
            }
            seen += 1
        }
        for _ in 0..<3_000 {
            check((0..<random.next(below: 600)).map { _ in random.byte() })
        }
        for fixture in Self.cases {
            let bytes = fixture.bytes.count > 4096 ? Array(fixture.bytes.prefix(600) + fixture.bytes.suffix(600)) : fixture.bytes
            for length in 0...min(bytes.count, 700) { check(Array(bytes.prefix(length))) }
            for _ in 0..<200 {
                var mutated = bytes
                for _ in 0..<(1 + random.next(below: 4)) {
                    let at = random.next(below: mutated.count)
                    mutated[at] = random.next(below: 3) == 0 ? 0xFF : random.byte()
                }
                check(mutated)
                let keep = min(mutated.count, 4 + random.next(below: 40))
                check(Array(mutated.prefix(keep)) + (0..<random.next(below: 300)).map { _ in random.byte() })
            }
        }
        #expect(seen > 10_000)
    }

    /// A quadratic scan of a full head would take minutes; the limit catches that without timing a pass.
    @Test(.timeLimit(.minutes(1))) func fullHeadsOfRepeatedSignaturesAreQuick() {
        let size = ContentSniffer.headerSize
        let patterns: [[UInt8]] = [
            [0x50, 0x4B, 0x03, 0x04], Array("ispe".utf8), Array("<".utf8), [0xFF], Array("<svg".utf8),
        ]
        for pattern in patterns {
            var head = pattern == Array("ispe".utf8) ? Self.ftyp("heic") : []
            while head.count < size { head += pattern }
            _ = Self.sniff(head)
            _ = Self.sniff([0xFF, 0xD8] + head)
            _ = Self.sniff(Self.matroska(docType: "webm", trackTypes: []) + head)
        }
    }

    /// A small seeded generator, so that a failure can be replayed.
    struct SeededRandom {
        private var state: UInt64

        init(seed: UInt64) { state = seed }

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var value = state
            value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
            value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
            return value ^ (value >> 31)
        }

        mutating func next(below bound: Int) -> Int { bound <= 0 ? 0 : Int(next() % UInt64(bound)) }

        mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next()) }
    }
}
