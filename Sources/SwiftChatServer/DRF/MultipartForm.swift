import Foundation
import MultipartKit
import NIOCore
import SwiftChatCore

/// `multipart/form-data` bodies, which the original's parsers accepted too. Only text fields
/// are read (no route takes a file); a part with a `filename` is skipped. Parsing is
/// MultipartKit's streaming parser, one pass over the body.
enum MultipartForm {
    /// RFC 2046 allows boundaries of 1 to 70 characters; longer ones only serve to make a
    /// parser work harder.
    static let maxBoundaryLength = 70

    static func fields(_ body: Data, contentType: String) throws -> [String: JSONValue] {
        guard let boundary = boundary(in: contentType), !boundary.isEmpty else {
            throw parseError("Invalid boundary in multipart: None")
        }
        guard boundary.utf8.count <= maxBoundaryLength, boundary.utf8.allSatisfy({ (0x20...0x7E).contains($0) }) else {
            throw parseError("Invalid boundary in multipart: a boundary is 1 to \(maxBoundaryLength) printable ASCII characters")
        }
        var headGuard = MultipartHeadGuard(boundary: boundary)
        guard headGuard.admits(body) else { throw nonASCIIHeaderName }
        let parser = MultipartParser(boundary: boundary)
        var values: [String: JSONValue] = [:]
        var disposition: String?
        var content = ByteBuffer()
        var parts = 0
        parser.onHeader = { name, value in
            if name.lowercased() == "content-disposition" { disposition = value }
        }
        parser.onBody = { chunk in content.writeBuffer(&chunk) }
        parser.onPartComplete = {
            parts += 1
            if let parameters = disposition.map(HeaderParameters.init), let name = parameters.formValue(of: "name"),
               parameters.value(of: "filename") == nil {
                values[name] = .string(String(buffer: content))
            }
            disposition = nil
            content.clear()
        }
        do {
            try parser.execute(ByteBuffer(bytes: body))
        } catch {
            throw parseError("a part's headers are malformed")
        }
        guard parts > 0 else { throw parseError("no parts") }
        return values
    }

    static let nonASCIIHeaderName = parseError("a part's header name is not ASCII")

    private static func parseError(_ problem: String) -> APIError {
        .badRequest("Multipart form parse error - \(problem)")
    }

    /// `boundary=...` of the Content-Type, quoted or not, case kept.
    static func boundary(in contentType: String) -> String? {
        HeaderParameters(contentType).value(of: "boundary")
    }
}
