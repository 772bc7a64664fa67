import Foundation

/// Documents: PDF, zip-based office files, RTF, and text, with markup kept apart from text so
/// that it can be refused.
extension ContentSniffer {
    static func document(_ mimeType: String, _ fileExtension: String) -> SniffOutcome {
        media(mimeType, .document, fileExtension)
    }

    static func pdf(_ b: SniffBytes) -> SniffOutcome? {
        b.has("%PDF-", at: 0) ? document("application/pdf", "pdf") : nil
    }

    static func rtf(_ b: SniffBytes) -> SniffOutcome? {
        b.has("{\\rtf", at: 0) ? document("application/rtf", "rtf") : nil
    }

    private static let openDocumentTypes: [(mimeType: String, fileExtension: String)] = [
        ("application/vnd.oasis.opendocument.text", "odt"),
        ("application/vnd.oasis.opendocument.spreadsheet", "ods"),
        ("application/vnd.oasis.opendocument.presentation", "odp"),
    ]

    private static let officeTypes: [(folder: [UInt8], mimeType: String, fileExtension: String)] = [
        (Array("word/".utf8), "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
        (Array("xl/".utf8), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
        (Array("ppt/".utf8), "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
    ]

    /// A zip archive. OpenDocument stores its type uncompressed as the first entry, `mimetype`;
    /// Office Open XML is known by its entries' folders, so every local file header within the
    /// bytes is looked at (entries with a data descriptor give no length to skip by).
    static func zip(_ b: SniffBytes) -> SniffOutcome? {
        let plain = document("application/zip", "zip")
        if b.has([0x50, 0x4B, 0x05, 0x06], at: 0) || b.has([0x50, 0x4B, 0x07, 0x08], at: 0) { return plain }
        let localHeader: [UInt8] = [0x50, 0x4B, 0x03, 0x04]
        guard b.has(localHeader, at: 0) else { return nil }
        // Fixed part of a local file header: 30 bytes, then the name and the extra field.
        if b.u16le(8) == 0, let size = b.u32le(18), let nameLength = b.u16le(26), let extraLength = b.u16le(28),
            b.has("mimetype", at: 30), nameLength == 8, size <= 128 {
            let start = 30 + nameLength + extraLength
            if b.contains(start, length: size) {
                let declared = String(decoding: b.bytes[start..<start + size], as: UTF8.self)
                if let type = openDocumentTypes.first(where: { $0.mimeType == declared }) {
                    return document(type.mimeType, type.fileExtension)
                }
            }
        }
        var from = 0
        while let at = b.firstIndex(of: localHeader, from: from) {
            from = at + 4
            guard let nameLength = b.u16le(at + 26) else { break }
            for type in officeTypes where nameLength > type.folder.count && b.has(type.folder, at: at + 30) {
                return document(type.mimeType, type.fileExtension)
            }
        }
        return plain
    }

    private static let htmlTags = [
        "html", "head", "body", "script", "iframe", "style", "title", "table", "div", "font", "a", "b", "p", "br", "h1",
        "img", "object", "embed", "form", "meta", "link", "base",
    ].map { Array($0.utf8) }
    private static let tagEnds: Set<UInt8> = [0x20, 0x09, 0x0A, 0x0C, 0x0D, 0x3E, 0x2F]  // space, tab, LF, FF, CR, >, /

    /// HTML, SVG or XML, which a browser would run or render if our origin served it. Looked
    /// for in any bytes no binary format claimed, valid UTF-8 or not, ignoring ASCII case: a
    /// document that starts with markup, or has an `html`, `script` or `svg` tag anywhere.
    static func markup(_ b: SniffBytes) -> SniffedContent? {
        let html = SniffedContent(mimeType: "text/html", category: .document, fileExtension: "html")
        let svg = SniffedContent(mimeType: "image/svg+xml", category: .image, fileExtension: "svg")
        let xml = SniffedContent(mimeType: "application/xml", category: .document, fileExtension: "xml")
        let lower = SniffBytes(b.bytes.map { (0x41...0x5A).contains($0) ? $0 | 0x20 : $0 }, mayBeTruncated: b.mayBeTruncated)
        func found(_ text: String) -> Bool { lower.firstIndex(of: Array(text.utf8)) != nil }

        var at = lower.has([0xEF, 0xBB, 0xBF], at: 0) ? 3 : 0
        while let byte = lower[at], [0x20, 0x09, 0x0A, 0x0C, 0x0D].contains(byte) { at += 1 }
        if lower[at] == UInt8(ascii: "<") {
            if lower.has("<?xml", at: at) {
                if found("<svg") { return svg }
                if found("<html") || found("<script") { return html }
                return xml
            }
            if lower.has("<!doctype", at: at) {
                var name = at + 9
                while let byte = lower[name], [0x20, 0x09, 0x0A, 0x0C, 0x0D].contains(byte) { name += 1 }
                if lower.has("html", at: name) { return html }
                if lower.has("svg", at: name) { return svg }
                return xml
            }
            if lower.has("<!--", at: at) { return html }
            if lower.has("<svg", at: at), let end = lower[at + 4], tagEnds.contains(end) { return svg }
            for tag in htmlTags where lower.has(tag, at: at + 1) {
                if let end = lower[at + 1 + tag.count], tagEnds.contains(end) { return html }
            }
        }
        if found("<html") || found("<script") { return html }
        if found("<svg") { return svg }
        return nil
    }

    /// Valid UTF-8 (an optional byte order mark first) without NUL or other control characters
    /// but tab, line feed, form feed and carriage return. A sequence cut by the end of bytes
    /// that may stop before the file does is allowed.
    static func isPlainText(_ b: SniffBytes) -> Bool {
        let bytes = b.bytes
        var index = b.has([0xEF, 0xBB, 0xBF], at: 0) ? 3 : 0
        while index < bytes.count {
            let lead = bytes[index]
            if lead < 0x80 {
                if lead < 0x20, ![0x09, 0x0A, 0x0C, 0x0D].contains(lead) { return false }
                if lead == 0x7F { return false }
                index += 1
                continue
            }
            let length: Int
            var scalar: UInt32
            switch lead {
            case 0xC2...0xDF: length = 2; scalar = UInt32(lead & 0x1F)
            case 0xE0...0xEF: length = 3; scalar = UInt32(lead & 0x0F)
            case 0xF0...0xF4: length = 4; scalar = UInt32(lead & 0x07)
            default: return false
            }
            if length > bytes.count - index {
                return b.mayBeTruncated && bytes[(index + 1)...].allSatisfy { $0 & 0xC0 == 0x80 }
            }
            for next in bytes[(index + 1)..<(index + length)] {
                guard next & 0xC0 == 0x80 else { return false }
                scalar = scalar << 6 | UInt32(next & 0x3F)
            }
            // Overlong forms, surrogates, beyond U+10FFFF, and the C1 controls.
            if length == 3, scalar < 0x800 || (0xD800...0xDFFF).contains(scalar) { return false }
            if length == 4, scalar < 0x1_0000 || scalar > 0x10_FFFF { return false }
            if (0x80...0x9F).contains(scalar) { return false }
            index += length
        }
        return true
    }
}
