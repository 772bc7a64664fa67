import Foundation

/// Makes a client's file name safe to store and show. The name is never used as a path (blob
/// keys are made by the server); it is cleaned so that it cannot mislead the people who see it
/// (a right-to-left override turning `gpj.exe` into `exe.jpg`) or the programs that save it.
public enum AttachmentFileName {
    /// At most this many characters (grapheme clusters) are kept.
    public static let maxLength = 120
    /// And at most this many UTF-8 bytes, so that a few huge clusters of combining marks stay small.
    static let maxBytes = 480
    /// The name of a file whose name had nothing left.
    public static let fallback = "file"

    /// The last path component (after `/` or `\`) of `raw`, without control characters, NUL or
    /// bidirectional overrides, with whitespace runs made one space, no spaces or dots at either
    /// end, and at most `maxLength` characters, keeping the extension when shortened.
    public static func sanitized(_ raw: String) -> String {
        limited(cleaned(raw))
    }

    /// `sanitized(raw)` with an extension that agrees with the sniffed type: kept when it is
    /// one of the type's (any case), otherwise the type's own is added, so that `photo.exe`
    /// holding a PNG becomes `photo.exe.png`.
    public static func sanitized(_ raw: String, for content: SniffedContent) -> String {
        let name = cleaned(raw)
        if let (_, current) = split(name), acceptedExtensions(for: content).contains(current.lowercased()) {
            return limited(name)
        }
        return limited(name + "." + content.fileExtension)
    }

    /// A `Content-Disposition` value for `fileName` (made safe first): a quoted ASCII
    /// `filename` for old clients (other characters made `_`, quotes and backslashes dropped)
    /// and the exact name as RFC 5987 `filename*`.
    public static func contentDisposition(_ disposition: AttachmentDisposition, fileName: String) -> String {
        let name = sanitized(fileName)
        var ascii = ""
        for character in name where character != "\"" && character != "\\" {
            ascii.append(character.isASCII ? character : "_")
        }
        if ascii.allSatisfy({ $0 == " " }) { ascii = fallback }
        return "\(disposition.rawValue); filename=\"\(ascii)\"; filename*=UTF-8''\(percentEncoded(name))"
    }

    /// Extensions other than the canonical one that name the same type. Plain text keeps only
    /// extensions no system would run (`notes.js` holding text becomes `notes.js.txt`).
    static let aliases: [String: Set<String>] = [
        "jpg": ["jpeg", "jpe", "jfif"],
        "heic": ["heif"],
        "heif": ["heic"],
        "mp4": ["m4v"],
        "m4a": ["m4b", "mp4"],
        "ogg": ["oga", "opus", "spx"],
        "ogv": ["ogg"],
        "weba": ["webm"],
        "mkv": ["mk3d"],
        "mka": ["mkv"],
        "wav": ["wave"],
        "html": ["htm"],
        "txt": ["text", "md", "markdown", "csv", "tsv", "log"],
    ]

    static func acceptedExtensions(for content: SniffedContent) -> Set<String> {
        aliases[content.fileExtension, default: []].union([content.fileExtension])
    }

    /// Embeddings, overrides and isolates, the direction marks, and the byte order mark.
    private static let invisibleControls = Set<UInt32>([0x061C, 0x200E, 0x200F, 0xFEFF])
        .union(0x202A...0x202E).union(0x2066...0x2069)

    /// Everything but the length limit; never empty.
    static func cleaned(_ raw: String) -> String {
        var scalars: [Unicode.Scalar] = []
        for scalar in raw.unicodeScalars {
            if scalar == "/" || scalar == "\\" {
                scalars.removeAll(keepingCapacity: true)  // only the last component counts
            } else if scalar.properties.isWhitespace {
                if scalars.last != " " { scalars.append(" ") }
            } else if scalar.properties.generalCategory != .control, !invisibleControls.contains(scalar.value) {
                scalars.append(scalar)
            }
        }
        let trimmed = scalars.drop { $0 == " " || $0 == "." }.reversed().drop { $0 == " " || $0 == "." }.reversed()
        var name = String.UnicodeScalarView()
        name.append(contentsOf: trimmed)
        return name.isEmpty ? fallback : String(name)
    }

    /// `name` within `maxLength` characters and `maxBytes` bytes; a shortened name keeps its extension.
    static func limited(_ name: String) -> String {
        if name.count <= maxLength, name.utf8.count <= maxBytes { return name }
        guard let (stem, ext) = split(name) else { return truncated(name, characters: maxLength, bytes: maxBytes) }
        let shortStem = truncated(stem, characters: maxLength - ext.count - 1, bytes: maxBytes - ext.utf8.count - 1)
        return shortStem + "." + ext
    }

    /// The name before and after its last dot, when what follows looks like an extension.
    static func split(_ name: String) -> (stem: String, ext: String)? {
        guard let dot = name.lastIndex(of: ".") else { return nil }
        let stem = name[..<dot]
        let ext = name[name.index(after: dot)...]
        guard !stem.isEmpty, !ext.isEmpty, ext.count <= 16, ext.utf8.count <= 64, !ext.contains(" ") else { return nil }
        return (String(stem), String(ext))
    }

    /// The longest prefix of whole characters within both limits, without trailing spaces or
    /// dots; the fallback when nothing fits.
    static func truncated(_ text: String, characters: Int, bytes: Int) -> String {
        var result = ""
        var used = 0
        for character in text.prefix(characters) {
            used += character.utf8.count
            if used > bytes { break }
            result.append(character)
        }
        while let last = result.last, last == " " || last == "." { result.removeLast() }
        return result.isEmpty ? fallback : result
    }

    /// RFC 5987 `value-chars`: attr-chars as they are, every other byte of the UTF-8 as `%XX`.
    static func percentEncoded(_ text: String) -> String {
        let attributeCharacters = Set("!#$&+-.^_`|~".utf8)
        var encoded = ""
        for byte in text.utf8 {
            let isAlphanumeric = (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
            if isAlphanumeric || attributeCharacters.contains(byte) {
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                encoded += String(format: "%%%02X", byte)
            }
        }
        return encoded
    }
}
