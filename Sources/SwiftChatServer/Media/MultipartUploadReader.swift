import Foundation
import Hummingbird
import MultipartKit
import NIOCore
import SwiftChatCore

/// Reads a `multipart/form-data` upload as it arrives, with MultipartKit's streaming parser:
/// one part named `file`, whose bytes go on to the intake chunk by chunk. Other text fields are
/// allowed (clients send them) but bounded in size and number, and skipped. Nothing holds more
/// than a chunk of the file.
final class MultipartUploadReader {
    static let maxFields = 32
    static let maxFieldSize = 8 * 1024
    /// Bytes outside the parts' contents (preamble, boundaries, part heads, epilogue) a body may
    /// have: the parser holds a head's bytes while it reads them, so they are bounded in all.
    static let maxFramingBytes = 256 * 1024

    private let parser: MultipartParser
    private var headGuard: MultipartHeadGuard
    private var fieldCount = 0
    private(set) var fileName: String?
    private var partHeaders: [(String, String)] = []
    private var partKind: PartKind = .undecided
    private var fieldSize = 0
    private var fileBytes: [ByteBuffer] = []
    private var fileStarted = false
    private(set) var fileEnded = false
    private var problem: APIError?
    private var framingBytes = 0

    private enum PartKind {
        case undecided, field, file, skipped
    }

    init(contentType: String) throws {
        guard contentType.lowercased().hasPrefix("multipart/form-data") else {
            throw APIError.unsupportedMediaType(contentType.split(separator: ";").first.map(String.init) ?? contentType)
        }
        guard let boundary = MultipartForm.boundary(in: contentType), !boundary.isEmpty,
            boundary.utf8.count <= MultipartForm.maxBoundaryLength, boundary.utf8.allSatisfy({ (0x20...0x7E).contains($0) })
        else { throw APIError.badRequest("Multipart form parse error - Invalid boundary in multipart") }
        parser = MultipartParser(boundary: boundary)
        headGuard = MultipartHeadGuard(boundary: boundary)
        parser.onHeader = { [unowned self] name, value in
            guard partHeaders.count < 16 else { return fail(.badRequest("A multipart part has too many headers.")) }
            partHeaders.append((name.lowercased(), value))
        }
        parser.onBody = { [unowned self] chunk in take(&chunk) }
        parser.onPartComplete = { [unowned self] in endPart() }
    }

    /// Reads the whole body; `fileChunk` gets the file's bytes in order.
    func read(_ body: RequestBody, fileChunk: (Data) async throws -> Void) async throws {
        for try await buffer in body {
            framingBytes += buffer.readableBytes
            guard headGuard.admits(buffer.readableBytesView) else { throw MultipartForm.nonASCIIHeaderName }
            do { try parser.execute(buffer) } catch { throw APIError.badRequest("Multipart form parse error - a part's headers are malformed") }
            if let problem { throw problem }
            if framingBytes > Self.maxFramingBytes { throw APIError.badRequest("The multipart body's part heads are too large.") }
            for chunk in fileBytes { try await fileChunk(Data(buffer: chunk)) }
            fileBytes.removeAll(keepingCapacity: true)
        }
        guard fileStarted || fileEnded else { throw APIError.field("file", "No file was submitted.") }
        guard fileEnded else { throw APIError.badRequest("The upload ended before its file did (a truncated body).") }
    }

    private func take(_ chunk: inout ByteBuffer) {
        if case .undecided = partKind { partKind = decideKind() }
        framingBytes -= chunk.readableBytes
        switch partKind {
        case .file:
            fileStarted = true
            fileBytes.append(chunk)
        case .field:
            fieldSize += chunk.readableBytes
            if fieldSize > Self.maxFieldSize { return fail(.badRequest("A form field is larger than \(Self.maxFieldSize) bytes.")) }
        case .skipped, .undecided:
            break
        }
    }

    private func endPart() {
        if case .undecided = partKind { partKind = decideKind() }
        switch partKind {
        case .field:
            fieldCount += 1
            if fieldCount > Self.maxFields { return fail(.badRequest("A form has at most \(Self.maxFields) fields.")) }
        case .file:
            fileStarted = true
            fileEnded = true
        case .skipped, .undecided:
            break
        }
        partHeaders.removeAll()
        fieldSize = 0
        partKind = .undecided
    }

    private func decideKind() -> PartKind {
        guard let disposition = partHeaders.first(where: { $0.0 == "content-disposition" }).map({ HeaderParameters($0.1) }),
            let name = disposition.formValue(of: "name")
        else { return .skipped }
        let filename = disposition.value(of: "filename*").flatMap(Self.extendedValue) ?? disposition.formValue(of: "filename")
        guard name == "file" else { return filename == nil ? .field : .skipped }
        if fileStarted || fileEnded {
            fail(.field("file", "Send one file per upload."))
            return .skipped
        }
        fileName = filename
        return .file
    }

    /// RFC 5987's `UTF-8''percent-encoded`.
    private static func extendedValue(_ value: String) -> String? {
        guard let quote = value.range(of: "''") else { return nil }
        return String(value[quote.upperBound...]).removingPercentEncoding
    }

    private func fail(_ error: APIError) {
        if problem == nil { problem = error }
    }
}
