import Foundation
import SwiftChatCore

/// `multipart/form-data` bodies, which the original's parsers accepted too. Only text fields
/// are read (no route takes a file); a part with a `filename` is skipped.
enum MultipartForm {
    static func fields(_ body: Data, contentType: String) throws -> [String: JSONValue] {
        guard let boundary = boundary(in: contentType), !boundary.isEmpty else {
            throw APIError.badRequest("Multipart form parse error - Invalid boundary in multipart: None")
        }
        let delimiter = Array("--\(boundary)".utf8)
        let bytes = Array(body)
        var values: [String: JSONValue] = [:]
        var parts = split(bytes, on: delimiter)
        guard parts.count >= 2 else { throw APIError.badRequest("Multipart form parse error - no parts") }
        parts.removeFirst()  // the preamble
        for var part in parts {
            if part.starts(with: Array("--".utf8)) { break }  // the closing delimiter
            if part.starts(with: [13, 10]) { part.removeFirst(2) }
            if part.suffix(2) == [13, 10] { part.removeLast(2) }
            guard let split = firstRange(of: [13, 10, 13, 10], in: part) else {
                throw APIError.badRequest("Multipart form parse error - a part has no headers")
            }
            let headers = String(decoding: part[..<split.lowerBound], as: UTF8.self)
            let content = part[split.upperBound...]
            guard let disposition = headers.split(separator: "\r\n").first(where: { $0.lowercased().hasPrefix("content-disposition:") }),
                  let name = parameter("name", in: String(disposition))
            else { continue }
            if parameter("filename", in: String(disposition)) != nil { continue }
            values[name] = .string(String(decoding: content, as: UTF8.self))
        }
        return values
    }

    /// `boundary=...` of the Content-Type, quoted or not, case kept.
    static func boundary(in contentType: String) -> String? {
        parameter("boundary", in: contentType)
    }

    private static func parameter(_ name: String, in header: String) -> String? {
        for piece in header.split(separator: ";").dropFirst() {
            let pair = piece.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2, pair[0].lowercased() == name else { continue }
            var value = pair[1]
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            return value
        }
        return nil
    }

    private static func split(_ bytes: [UInt8], on delimiter: [UInt8]) -> [[UInt8]] {
        var parts: [[UInt8]] = []
        var start = 0
        var index = 0
        while index + delimiter.count <= bytes.count {
            if bytes[index] == delimiter[0], Array(bytes[index..<index + delimiter.count]) == delimiter {
                parts.append(Array(bytes[start..<index]))
                index += delimiter.count
                start = index
            } else {
                index += 1
            }
        }
        parts.append(Array(bytes[start...]))
        return parts
    }

    private static func firstRange(of needle: [UInt8], in haystack: [UInt8]) -> Range<Int>? {
        guard haystack.count >= needle.count else { return nil }
        for index in 0...(haystack.count - needle.count) where Array(haystack[index..<index + needle.count]) == needle {
            return index..<index + needle.count
        }
        return nil
    }
}
