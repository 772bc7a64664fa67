import Foundation

/// Audio and video containers, and the HEIF images that share the ISO container with MP4.
extension ContentSniffer {
    static func riff(_ b: SniffBytes) -> SniffOutcome? {
        guard b.has("RIFF", at: 0) else { return nil }
        if b.has("WEBP", at: 8) { return webp(b) }
        if b.has("WAVE", at: 8) { return media("audio/wav", .audio, "wav") }
        return nil
    }

    private static let avifBrands: Set = ["avif", "avis"]
    private static let heicBrands: Set = ["heic", "heix", "heim", "heis", "hevc", "hevx", "hevm", "hevs"]
    private static let heifBrands: Set = ["mif1", "msf1", "miaf"]
    private static let audioBrands: Set = ["M4A ", "M4B ", "M4P ", "F4A ", "F4B "]
    private static let mp4Brands: Set = [
        "isom", "iso2", "iso3", "iso4", "iso5", "iso6", "iso7", "iso8", "iso9", "mp41", "mp42", "mp71",
        "avc1", "dash", "M4V ", "M4VH", "M4VP", "mmp4", "MSNV", "f4v ", "F4V ",
    ]

    /// ISO base media files (MP4, M4A, QuickTime, HEIC, AVIF), told apart by the `ftyp` box's
    /// major brand, then by its compatible ones.
    static func isoMedia(_ b: SniffBytes) -> SniffOutcome? {
        guard b.has("ftyp", at: 4), let boxSize = b.u32be(0), boxSize >= 16, let major = b.fourCC(8) else { return nil }
        var compatible: [String] = []
        var at = 16
        while at < min(boxSize, 16 + 4 * 64) {
            if let brand = b.fourCC(at) { compatible.append(brand) }
            at += 4
        }
        let brands = [major] + compatible
        if avifBrands.contains(major) || (heifBrands.contains(major) && brands.contains(where: avifBrands.contains)) {
            return heifImage("image/avif", "avif", b)
        }
        if heicBrands.contains(major) || (heifBrands.contains(major) && brands.contains(where: heicBrands.contains)) {
            return heifImage("image/heic", "heic", b)
        }
        if heifBrands.contains(major) { return heifImage("image/heif", "heif", b) }
        if audioBrands.contains(major) { return media("audio/mp4", .audio, "m4a") }
        if major == "qt  " { return media("video/quicktime", .video, "mov") }
        if mp4Brands.contains(major) || compatible.contains(where: mp4Brands.contains) {
            // A generic brand says nothing of the tracks; a recording with sound only is audio.
            let handlers = trackHandlers(b)
            if !handlers.contains("vide"), handlers.contains("soun") { return media("audio/mp4", .audio, "m4a") }
            return media("video/mp4", .video, "mp4")
        }
        if compatible.contains("qt  ") { return media("video/quicktime", .video, "mov") }
        return nil
    }

    /// The handler types (`vide`, `soun`, ...) of the tracks in `moov`, when `moov` comes within
    /// the bytes (files made for streaming put it first).
    static func trackHandlers(_ b: SniffBytes) -> [String] {
        guard let movie = isoBoxes(b, in: 0..<b.count).first(where: { $0.type == "moov" }) else { return [] }
        var handlers: [String] = []
        for track in isoBoxes(b, in: movie.body) where track.type == "trak" {
            for media in isoBoxes(b, in: track.body) where media.type == "mdia" {
                for handler in isoBoxes(b, in: media.body) where handler.type == "hdlr" {
                    // version and flags, pre_defined, then the handler type
                    if let kind = b.fourCC(handler.body.lowerBound + 8) { handlers.append(kind) }
                }
            }
        }
        return handlers
    }

    /// The boxes directly inside `range`. A box running past the bytes is cut at their end,
    /// and the walk stops there.
    static func isoBoxes(_ b: SniffBytes, in range: Range<Int>) -> [(type: String?, body: Range<Int>)] {
        var boxes: [(type: String?, body: Range<Int>)] = []
        var at = range.lowerBound
        let end = min(range.upperBound, b.count)
        while end - at >= 8, boxes.count < 1024 {
            guard let size32 = b.u32be(at) else { break }
            var header = 8
            var size = size32
            if size32 == 1 {
                guard let large = b.u64be(at + 8), large <= UInt64(Int.max) else { break }
                header = 16
                size = Int(large)
            } else if size32 == 0 {
                size = end - at  // to the end of the enclosing box
            }
            guard size >= header else { break }
            let boxEnd = size <= end - at ? at + size : end
            guard at + header <= boxEnd else { break }
            boxes.append((b.fourCC(at + 4), at + header..<boxEnd))
            at = boxEnd
        }
        return boxes
    }

    /// Matroska and WebM (EBML): the header's DocType names which; the tracks say whether it
    /// is audio only.
    static func ebml(_ b: SniffBytes) -> SniffOutcome? {
        guard b.has([0x1A, 0x45, 0xDF, 0xA3], at: 0) else { return nil }
        let top = ebmlElements(b, in: 0..<b.count)
        var docType: String?
        if let header = top.first {
            for element in ebmlElements(b, in: header.body) where element.id == 0x4282 {
                let text = b.bytes[element.body.prefix(32)].prefix { $0 != 0 }
                docType = String(decoding: text, as: UTF8.self)
            }
        }
        let isWebM: Bool
        switch docType {
        case "webm": isWebM = true
        case "matroska", nil: isWebM = false
        default: return nil  // some other EBML format
        }
        var trackTypes: [Int] = []
        if let segment = top.first(where: { $0.id == 0x1853_8067 }),
            let tracks = ebmlElements(b, in: segment.body).first(where: { $0.id == 0x1654_AE6B }) {
            for entry in ebmlElements(b, in: tracks.body) where entry.id == 0xAE {
                for field in ebmlElements(b, in: entry.body) where field.id == 0x83 && field.body.count <= 8 {
                    trackTypes.append(b.bytes[field.body].reduce(0) { $0 << 8 | Int($1) })
                }
            }
        }
        // Track type 1 is video, 2 audio.
        if !trackTypes.contains(1), trackTypes.contains(2) {
            return isWebM ? media("audio/webm", .audio, "weba") : media("audio/x-matroska", .audio, "mka")
        }
        return isWebM ? media("video/webm", .video, "webm") : media("video/x-matroska", .video, "mkv")
    }

    /// The elements directly inside `range`. An element of unknown size (a live recording's
    /// segment or cluster) or running past the bytes reaches to their end, and the walk stops there.
    static func ebmlElements(_ b: SniffBytes, in range: Range<Int>) -> [(id: Int, body: Range<Int>)] {
        var elements: [(id: Int, body: Range<Int>)] = []
        var at = range.lowerBound
        let end = min(range.upperBound, b.count)
        while at < end, elements.count < 1024 {
            guard let first = b[at], first != 0 else { break }
            let idLength = first.leadingZeroBitCount + 1
            guard idLength <= 4, b.contains(at, length: idLength) else { break }
            let id = b.bytes[at..<at + idLength].reduce(0) { $0 << 8 | Int($1) }
            let sizeAt = at + idLength
            guard let sizeFirst = b[sizeAt], sizeFirst != 0 else { break }
            let sizeLength = sizeFirst.leadingZeroBitCount + 1
            guard b.contains(sizeAt, length: sizeLength) else { break }
            let marker = 0xFF >> sizeLength
            let size = b.bytes[sizeAt + 1..<sizeAt + sizeLength].reduce(Int(sizeFirst) & marker) { $0 << 8 | Int($1) }
            let unknown = size == (1 << (7 * sizeLength)) - 1
            let bodyStart = sizeAt + sizeLength
            guard bodyStart <= end else { break }
            let bodyEnd = !unknown && size <= end - bodyStart ? bodyStart + size : end
            elements.append((id, bodyStart..<bodyEnd))
            at = bodyEnd
        }
        return elements
    }

    /// Ogg carries Vorbis, Opus or FLAC audio, or Theora video, whose header packet starts with
    /// 0x80 and `theora`.
    static func ogg(_ b: SniffBytes) -> SniffOutcome? {
        guard b.has("OggS", at: 0), b[4] == 0 else { return nil }
        if b.firstIndex(of: [0x80] + Array("theora".utf8)) != nil { return media("video/ogg", .video, "ogv") }
        return media("audio/ogg", .audio, "ogg")
    }

    static func flac(_ b: SniffBytes) -> SniffOutcome? {
        b.has("fLaC", at: 0) ? media("audio/flac", .audio, "flac") : nil
    }

    /// An ID3v2 tag: `ID3`, a version of 2 to 4, flags, and a size of four 7-bit bytes.
    static func id3(_ b: SniffBytes) -> SniffOutcome? {
        guard b.has("ID3", at: 0), let version = b[3], (2...4).contains(version),
            (6..<10).allSatisfy({ (b[$0] ?? 0x80) < 0x80 })
        else { return nil }
        return media("audio/mpeg", .audio, "mp3")
    }

    /// An MP3 without a tag: two consecutive valid MPEG layer III frame headers, the second
    /// where the first frame's length says.
    static func mpegAudio(_ b: SniffBytes) -> SniffOutcome? {
        guard let length = mpegFrameLength(b, at: 0), mpegFrameLength(b, at: length) != nil else { return nil }
        return media("audio/mpeg", .audio, "mp3")
    }

    private static let bitRatesV1: [Int] = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320]
    private static let bitRatesV2: [Int] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160]

    /// The length in bytes of the layer III frame whose header is at `offset`, nil when there is none.
    static func mpegFrameLength(_ b: SniffBytes, at offset: Int) -> Int? {
        guard b[offset] == 0xFF, let second = b[offset + 1], let third = b[offset + 2], second & 0xE0 == 0xE0 else { return nil }
        let version = second >> 3 & 0b11  // 0: 2.5, 1: reserved, 2: 2, 3: 1
        let layer = second >> 1 & 0b11  // 1: layer III
        let bitRateIndex = Int(third >> 4)
        let sampleRateIndex = Int(third >> 2 & 0b11)
        guard version != 1, layer == 1, (1...14).contains(bitRateIndex), sampleRateIndex != 3 else { return nil }
        let baseRates = [44_100, 48_000, 32_000]
        let sampleRate = baseRates[sampleRateIndex] >> (version == 3 ? 0 : version == 2 ? 1 : 2)
        let bitRate = (version == 3 ? bitRatesV1 : bitRatesV2)[bitRateIndex] * 1000
        let padding = Int(third >> 1 & 1)
        return (version == 3 ? 144 : 72) * bitRate / sampleRate + padding
    }
}
