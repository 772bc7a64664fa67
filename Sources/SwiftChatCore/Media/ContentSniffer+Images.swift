import Foundation

/// Still images, with their pixel size where the header has it.
extension ContentSniffer {
    static func png(_ b: SniffBytes) -> SniffOutcome? {
        guard b.has([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], at: 0) else { return nil }
        // The specification puts IHDR first; a decoder meeting anything else is being fooled.
        guard b.u32be(8) == 13, b.has("IHDR", at: 12), let width = b.u32be(16), let height = b.u32be(20) else {
            return damaged("PNG")
        }
        return image("image/png", "png", width: width, height: height)
    }

    /// Walks the segments by their lengths up to the first frame header (SOFn), which holds the
    /// size; EXIF and ICC segments before it can be long. Not found within the bytes: no size.
    static func jpeg(_ b: SniffBytes) -> SniffOutcome? {
        guard b.has([0xFF, 0xD8, 0xFF], at: 0) else { return nil }
        var position = 2
        walk: while position < b.count {
            guard b[position] == 0xFF else { break }
            var markerAt = position + 1
            while b[markerAt] == 0xFF { markerAt += 1 }  // fill bytes
            guard let marker = b[markerAt] else { break }
            position = markerAt + 1
            switch marker {
            case 0x01, 0xD0...0xD8:
                continue  // no length follows
            case 0x00, 0xD9, 0xDA:
                break walk  // not a marker, end of image, or entropy-coded data: no frame header came first
            default:
                guard let length = b.u16be(position), length >= 2 else { break walk }
                if (0xC0...0xCF).contains(marker), ![0xC4, 0xC8, 0xCC].contains(marker) {
                    guard let height = b.u16be(position + 3), let width = b.u16be(position + 5) else { break walk }
                    return image("image/jpeg", "jpg", width: width, height: height)
                }
                position += length
            }
        }
        return image("image/jpeg", "jpg")
    }

    static func gif(_ b: SniffBytes) -> SniffOutcome? {
        guard b.has("GIF87a", at: 0) || b.has("GIF89a", at: 0) else { return nil }
        guard let width = b.u16le(6), let height = b.u16le(8) else { return damaged("GIF") }
        return image("image/gif", "gif", width: width, height: height)
    }

    /// After `RIFF` and `WEBP`, the first chunk: lossy (VP8), lossless (VP8L) or extended (VP8X).
    static func webp(_ b: SniffBytes) -> SniffOutcome {
        switch b.fourCC(12) {
        case "VP8 ":
            // A key frame: 3 bytes of frame tag, the start code, then 14-bit width and height.
            guard b.has([0x9D, 0x01, 0x2A], at: 23), let width = b.u16le(26), let height = b.u16le(28) else { break }
            return image("image/webp", "webp", width: width & 0x3FFF, height: height & 0x3FFF)
        case "VP8L":
            guard b[20] == 0x2F, let bits = b.u32le(21) else { break }
            return image("image/webp", "webp", width: (bits & 0x3FFF) + 1, height: (bits >> 14 & 0x3FFF) + 1)
        case "VP8X":
            guard let width = b.u24le(24), let height = b.u24le(27) else { break }
            return image("image/webp", "webp", width: width + 1, height: height + 1)
        default:
            break
        }
        return damaged("WebP")
    }

    /// `BM` alone is too weak a signature, so the info header's size and plane count must be
    /// right too.
    static func bmp(_ b: SniffBytes) -> SniffOutcome? {
        guard b.has("BM", at: 0), let headerSize = b.u32le(14) else { return nil }
        if headerSize == 12 {
            guard b.u16le(22) == 1, let width = b.u16le(18), let height = b.u16le(20) else { return nil }
            return image("image/bmp", "bmp", width: width, height: height)
        }
        guard [40, 52, 56, 64, 108, 124].contains(headerSize), b.u16le(26) == 1,
            let width = b.u32le(18), let height = b.u32le(22)
        else { return nil }
        // Signed: a negative height means rows run top-down.
        return image("image/bmp", "bmp", width: abs(Int(Int32(truncatingIfNeeded: width))),
            height: abs(Int(Int32(truncatingIfNeeded: height))))
    }

    /// HEIF images (HEIC, AVIF) give each item's size in an `ispe` property; a grid's tiles have
    /// their own, so the largest is the picture's. Not found within the bytes: no size.
    static func heifImage(_ mimeType: String, _ fileExtension: String, _ b: SniffBytes) -> SniffOutcome {
        let marker: [UInt8] = Array("ispe".utf8)
        var best: (width: Int, height: Int)?
        var from = 0
        while let at = b.firstIndex(of: marker, from: from) {
            from = at + 4
            // size, "ispe", version and flags, width, height
            guard b.u32be(at - 4) == 20, let width = b.u32be(at + 8), let height = b.u32be(at + 12) else { continue }
            // Each side is below 2^32, so the products fit in 64 unsigned bits.
            if best.map({ UInt64(width) * UInt64(height) > UInt64($0.width) * UInt64($0.height) }) ?? true { best = (width, height) }
        }
        return image(mimeType, fileExtension, width: best?.width, height: best?.height)
    }
}
