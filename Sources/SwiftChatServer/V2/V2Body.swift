import Foundation
import Hummingbird
import SwiftChatCore

/// A v2 request body: a JSON object decoded into a plain `Decodable` type. v1's DRF emulation
/// (forms, Python's error texts) stays with v1; v2 takes JSON only. A body that is not JSON, not
/// an object, or has a field of the wrong type or a missing one gets a 400 naming the field.
enum V2Body {
    static func decode<Body: Decodable>(_ type: Body.Type, from request: Request, maxSize: Int) async throws -> Body {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        guard contentType.isEmpty || contentType.hasPrefix("application/json") || contentType.contains("+json") else {
            throw APIError.unsupportedMediaType(contentType.split(separator: ";").first.map(String.init) ?? contentType)
        }
        var bytes = try await BoundedBody.bytes(of: request, maxSize: maxSize)
        // An empty body is an empty object: its required fields are then named as missing.
        if BoundedBody.isBlank(bytes) { bytes = Data("{}".utf8) }
        do {
            // Foundation's decoder bounds nesting itself (512 levels), without recursing on the stack.
            return try JSONDecoder().decode(Body.self, from: bytes)
        } catch let error as DecodingError {
            throw refusal(for: error)
        }
    }

    private static func refusal(for error: DecodingError) -> APIError {
        switch error {
        case .keyNotFound(let key, let context):
            return .field(fieldName(context.codingPath + [key]), ErrorText.required)
        case .valueNotFound(_, let context) where !context.codingPath.isEmpty:
            return .field(fieldName(context.codingPath), ErrorText.notNull)
        case .typeMismatch(let expected, let context) where !context.codingPath.isEmpty:
            return .field(fieldName(context.codingPath), mismatch(expected))
        case .typeMismatch, .valueNotFound:
            return .nonField(["Expected a JSON object."])
        case .dataCorrupted(let context) where !context.codingPath.isEmpty:
            return .field(fieldName(context.codingPath), "Not a valid value.")
        default:
            return .badRequest("JSON parse error: the body is not valid JSON.")
        }
    }

    /// The top-level field an error is about (`members`, not `members[3]`).
    private static func fieldName(_ path: [any CodingKey]) -> String {
        path.first?.stringValue ?? "body"
    }

    /// The same words as v1's fields where v1 has them.
    private static func mismatch(_ expected: Any.Type) -> String {
        switch expected {
        case is String.Type: ErrorText.notAString
        case is Int64.Type, is Int.Type: ErrorText.invalidInteger
        case is [Any].Type: "Expected a list."
        default: "Not a valid value."
        }
    }
}
