import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing

/// Files for upload tests, built byte by byte.
enum SampleFile {
    /// A real PNG (decodable: stored deflate blocks, correct CRCs and Adler-32) of a colour
    /// gradient, `width` × `height`.
    static func png(width: Int, height: Int) -> [UInt8] {
        var raw: [UInt8] = []
        for y in 0..<height {
            raw.append(0)
            for x in 0..<width { raw += [UInt8(x * 255 / max(1, width - 1)), UInt8(y * 255 / max(1, height - 1)), 128] }
        }
        var deflate: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let count = min(65535, raw.count - offset)
            let last: UInt8 = offset + count >= raw.count ? 1 : 0
            deflate += [last, UInt8(count & 0xFF), UInt8(count >> 8), UInt8(~count & 0xFF), UInt8((~count >> 8) & 0xFF)]
            deflate += raw[offset..<(offset + count)]
            offset += count
        } while offset < raw.count
        deflate += be32(adler32(raw))
        return [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
            + chunk("IHDR", be32(width) + be32(height) + [8, 2, 0, 0, 0]) + chunk("IDAT", deflate) + chunk("IEND", [])
    }

    /// Only a PNG's header, claiming a size (what the sniffer reads), then `padding` bytes.
    static func pngHeader(width: Int, height: Int, padding: Int = 0) -> [UInt8] {
        [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + chunk("IHDR", be32(width) + be32(height) + [8, 2, 0, 0, 0])
            + [UInt8](repeating: 7, count: padding)
    }

    static let pdf = Array("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n".utf8)
    static let html = Array("<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>".utf8)
    /// A zip holding one stored entry (what a zip bomb looks like from outside).
    static let zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04, 20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0]
        + Array("a.txt".utf8)

    private static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let body = Array(type.utf8) + data
        return be32(data.count) + body + be32(Int(crc32(body)))
    }

    private static func be32(_ value: Int) -> [UInt8] { [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: value >> $0) } }
    private static func be32(_ value: UInt32) -> [UInt8] { be32(Int(value)) }

    private static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
        }
        return ~crc
    }

    private static func adler32(_ bytes: [UInt8]) -> UInt32 {
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in bytes {
            a = (a + UInt32(byte)) % 65521
            b = (b + a) % 65521
        }
        return b << 16 | a
    }
}

/// A `multipart/form-data` body: `fields` first, then the file as the part `file`.
struct MultipartBody {
    static let boundary = "swiftchat-test-boundary-7d1f"
    var contentType: String { "multipart/form-data; boundary=\(Self.boundary)" }
    let bytes: [UInt8]

    init(file: [UInt8]?, name: String = "photo.png", fields: [(String, String)] = [], truncated: Bool = false) {
        var out: [UInt8] = []
        for (key, value) in fields {
            out += Array("--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"\(key)\"\r\n\r\n\(value)\r\n".utf8)
        }
        if let file {
            out += Array("--\(Self.boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: application/octet-stream\r\n\r\n".utf8)
            out += file
            if truncated {
                bytes = out
                return
            }
            out += Array("\r\n".utf8)
        }
        out += Array("--\(Self.boundary)--\r\n".utf8)
        bytes = out
    }
}

/// An answer whose body is kept as bytes (downloads).
struct ByteReply: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let body: [UInt8]
}

extension TestClientProtocol {
    /// Posts a multipart body to `path` (the bearer's upload route unless told otherwise).
    func upload(_ body: MultipartBody, by user: Session?, path: String = "/api/v2/uploads/", headers extra: HTTPFields = [:]) async throws -> Reply {
        var headers = extra
        headers[.contentType] = body.contentType
        if let user { headers[.authorization] = "JWT \(user.access)" }
        return try await execute(uri: path, method: .post, headers: headers, body: ByteBuffer(bytes: body.bytes)) { response in
            Reply(status: response.status, headers: response.headers, text: String(buffer: response.body))
        }
    }

    /// Uploads a file; returns the attachment (expects 201).
    func uploadFile(_ file: [UInt8], name: String = "photo.png", by user: Session, sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String: Any] {
        let reply = try await upload(MultipartBody(file: file, name: name), by: user)
        try #require(reply.status == .created, "upload: \(reply.status) \(reply.text)", sourceLocation: sourceLocation)
        return reply.dictionary
    }

    func download(_ url: String, headers: HTTPFields = [:]) async throws -> ByteReply {
        try await execute(uri: url, method: .get, headers: headers, body: nil) { response in
            ByteReply(status: response.status, headers: response.headers, body: Array(response.body.readableBytesView))
        }
    }

    /// Posts a message carrying attachments; returns the reply.
    func postAttachments(_ ids: [Int64], text: String?, in conversation: Int64, by user: Session) async throws -> Reply {
        var pairs = [#""attachments": [\#(ids.map(String.init).joined(separator: ","))]"#]
        if let text { pairs.append(#""text": "\#(text)""#) }
        return try await call(.post, "/api/v2/conversations/\(conversation)/messages/", json: "{" + pairs.joined(separator: ", ") + "}", token: user.access)
    }
}
