import Foundation

/// Decides a file's type from its leading bytes alone: what a client claims, and the file's
/// name, are never consulted, so a renamed or mislabelled file is seen for what it is.
///
/// Every reader walks the bytes forward with bounds-checked reads and no recursion, so hostile
/// or truncated input costs time linear in the bytes looked at and cannot crash.
public enum ContentSniffer {
    /// How many leading bytes `sniff` wants (the whole file when smaller): enough to find a
    /// JPEG's frame header past a large EXIF block, or a zip's `word/` entry past the first few.
    public static let headerSize = 256 * 1024

    /// The type of the file that starts with `head`. Bytes past `headerSize` are ignored. An
    /// image wider or taller than zero whose pixel count exceeds `maxImagePixels` is refused:
    /// decoding it would take memory out of all proportion to its file size.
    public static func sniff(_ head: Data, maxImagePixels: Int) -> SniffOutcome {
        let bytes = SniffBytes([UInt8](head.prefix(headerSize)), mayBeTruncated: head.count >= headerSize)
        let outcome = classify(bytes)
        guard case .recognized(let content) = outcome, content.category == .image,
            let width = content.width, let height = content.height
        else { return outcome }
        if width <= 0 || height <= 0 {
            return .refused("The image is \(width) × \(height) pixels, so it has nothing to show.")
        }
        let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
        if overflow || pixels > maxImagePixels {
            return .refused("The image is \(width) × \(height) pixels; at most \(maxImagePixels) are accepted.")
        }
        return outcome
    }

    /// Signatures first, strongest first; markup and plain text only when no binary format
    /// claimed the bytes.
    static func classify(_ bytes: SniffBytes) -> SniffOutcome {
        guard bytes.count > 0 else { return .unrecognized }
        let readers: [(SniffBytes) -> SniffOutcome?] = [
            png, jpeg, gif, riff, isoMedia, ebml, ogg, flac, pdf, zip, rtf, id3, bmp, mpegAudio,
        ]
        for reader in readers {
            if let outcome = reader(bytes) { return outcome }
        }
        if let markup = markup(bytes) { return .recognized(markup) }
        if isPlainText(bytes) {
            return .recognized(SniffedContent(mimeType: "text/plain", category: .document, fileExtension: "txt"))
        }
        return .unrecognized
    }

    static func image(_ mimeType: String, _ fileExtension: String, width: Int? = nil, height: Int? = nil) -> SniffOutcome {
        .recognized(SniffedContent(mimeType: mimeType, category: .image, width: width, height: height, fileExtension: fileExtension))
    }

    static func media(_ mimeType: String, _ category: MediaCategory, _ fileExtension: String) -> SniffOutcome {
        .recognized(SniffedContent(mimeType: mimeType, category: category, fileExtension: fileExtension))
    }

    static func damaged(_ format: String) -> SniffOutcome {
        .refused("The \(format) image is damaged: its header cannot be read.")
    }
}
