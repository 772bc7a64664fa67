import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
@testable import SwiftChatServer

/// A part header name with a byte of 0x80 or more traps MultipartKit's parser; the guard refuses
/// such bodies before the parser reads them, and lets everything else through.
@Suite("Multipart head guard")
struct MultipartHeadGuardTests {
    static let boundary = "b0und4ry"

    static func body(heads: [String], content: [UInt8] = Array("hello".utf8), parts: Int = 2) -> [UInt8] {
        var out = Array("preamble é\r\n".utf8)
        for _ in 0..<parts {
            out += Array("--\(boundary)\r\n".utf8)
            for head in heads { out += Array("\(head)\r\n".utf8) }
            out += Array("\r\n".utf8) + content + Array("\r\n".utf8)
        }
        return out + Array("--\(boundary)--\r\nepilogue \u{00FF}é".utf8)
    }

    /// Fed whole, and a byte at a time (the verdict must not depend on where chunks end).
    static func verdicts(_ bytes: [UInt8]) -> (whole: Bool, byteWise: Bool) {
        var whole = MultipartHeadGuard(boundary: boundary)
        var byteWise = MultipartHeadGuard(boundary: boundary)
        return (whole.admits(bytes), bytes.allSatisfy { byteWise.admits([$0]) })
    }

    @Test("bodies the parser can read pass: non-ASCII in values, content, preamble and epilogue, near-boundaries in content")
    func admitted() {
        let nearBoundaries = Array("\r\n--b0und4r\r\n--b0und4\r\n-\r\n--\r\n--b0und4rX\r\r\n--b0und4r".utf8) + [0xC3, 0xA9]
        for body in [
            Self.body(heads: [#"Content-Disposition: form-data; name="é"; filename="ü.png""#, "Content-Type: image/png"]),
            Self.body(heads: ["Content-Disposition: form-data; name=\"f\""], content: nearBoundaries + [0xFF, 0x80]),
            Self.body(heads: [], parts: 1),
        ] {
            let verdicts = Self.verdicts(body)
            #expect(verdicts.whole && verdicts.byteWise)
        }
    }

    @Test("a head name with a byte of 0x80 or more is refused, in any part, whole or byte by byte")
    func refused() {
        let bad = "X-Na\u{00EF}ve: 1"
        for body in [
            Self.body(heads: [bad], parts: 1),
            Self.body(heads: ["Content-Disposition: form-data; name=\"a\"", bad]),
            Array("--\(Self.boundary)\r\n".utf8) + [0xC3, 0xA8, 0xF2, 0x91, 0xA5] + Array("--\(Self.boundary)--\r\n".utf8),
        ] {
            let verdicts = Self.verdicts(body)
            #expect(!verdicts.whole && !verdicts.byteWise)
        }
        // Only in a later part: the first passes, the refusal comes with the second.
        var later = Self.body(heads: ["Content-Disposition: form-data; name=\"a\""], parts: 1)
        later.removeLast(Array("--\(Self.boundary)--\r\nepilogue \u{00FF}é".utf8).count)
        later += Array("--\(Self.boundary)\r\n\(bad)\r\n\r\nx\r\n--\(Self.boundary)--\r\n".utf8)
        #expect(!Self.verdicts(later).whole)
    }

    @Test("over HTTP: an upload and a v1 form with such a head get a 400 in JSON, and the server goes on serving")
    func overHTTP() async throws {
        try await withApp(.live) { client, _ in
            let cast = try await client.cast()
            let body = Array("--\(Self.boundary)\r\n".utf8) + [0xC3, 0xA8, 0xF2, 0x91, 0xA5, 0xBE, 0x1A] + Array("S--\(Self.boundary)--\r\n".utf8)
            let headers: HTTPFields = [.contentType: "multipart/form-data; boundary=\(Self.boundary)", .authorization: "JWT \(cast.alice.access)"]
            for path in ["/api/v2/uploads/", Routes.otpGenerate] {
                let reply = try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(bytes: body))
                #expect(reply.status == .badRequest, "\(path)")
                #expect(String(buffer: reply.body).contains("header name is not ASCII"), "\(path): \(String(buffer: reply.body))")
            }
            #expect(try await client.call(.get, "/api/core/user/me/", token: cast.alice.access).status == .ok)
        }
    }
}
