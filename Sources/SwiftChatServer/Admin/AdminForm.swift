import Foundation
import Hummingbird
import SwiftChatCore

/// A form the admin site's pages post (`application/x-www-form-urlencoded`), read within a
/// bound; a name may repeat (the ids of a bulk action).
struct AdminForm {
    static let maxSize = 64 * 1024
    static let maxFields = 1_000

    private(set) var pairs: [(String, String)] = []

    init(pairs: [(String, String)]) {
        self.pairs = pairs
    }

    static func read(_ request: Request) async throws -> AdminForm {
        let contentType = request.headers[.contentType]?.lowercased() ?? ""
        let mediaType = (contentType.split(separator: ";").first ?? "").trimmingCharacters(in: .whitespaces)
        guard mediaType == "application/x-www-form-urlencoded" else { throw APIError.unsupportedMediaType(mediaType) }
        let bytes = try await BoundedBody.bytes(of: request, maxSize: maxSize)
        return try AdminForm(encoded: String(decoding: bytes, as: UTF8.self))
    }

    init(encoded text: String) throws {
        let parts = text.split(separator: "&")
        guard parts.count <= Self.maxFields else { throw APIError.badRequest("A form has at most \(Self.maxFields) fields.") }
        for part in parts {
            let halves = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) throws -> String {
                guard let decoded = text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else {
                    throw APIError.badRequest("A form field is not percent-encoded UTF-8.")
                }
                guard !decoded.utf8.contains(0) else { throw APIError.badRequest(ErrorText.nullCharacters) }
                return decoded
            }
            pairs.append((try decode(halves[0]), halves.count > 1 ? try decode(halves[1]) : ""))
        }
    }

    subscript(_ name: String) -> String? { pairs.first { $0.0 == name }?.1 }

    func all(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }

    /// A checkbox: present means on.
    func isChecked(_ name: String) -> Bool { self[name] != nil }
}
