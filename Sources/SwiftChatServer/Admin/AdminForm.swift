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
        guard contentType.hasPrefix("application/x-www-form-urlencoded") else {
            throw APIError.unsupportedMediaType(contentType.split(separator: ";").first.map(String.init) ?? contentType)
        }
        let bytes = try await BoundedBody.bytes(of: request, maxSize: maxSize)
        return try AdminForm(encoded: String(decoding: bytes, as: UTF8.self))
    }

    init(encoded text: String) throws {
        let parts = text.split(separator: "&")
        guard parts.count <= Self.maxFields else { throw APIError.badRequest("A form has at most \(Self.maxFields) fields.") }
        for part in parts {
            let halves = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            func decode(_ text: Substring) -> String {
                text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? String(text)
            }
            let value = halves.count > 1 ? decode(halves[1]) : ""
            guard !value.utf8.contains(0) else { throw APIError.badRequest(ErrorText.nullCharacters) }
            pairs.append((decode(halves[0]), value))
        }
    }

    subscript(_ name: String) -> String? { pairs.first { $0.0 == name }?.1 }

    func all(_ name: String) -> [String] { pairs.filter { $0.0 == name }.map(\.1) }

    /// A checkbox: present means on.
    func isChecked(_ name: String) -> Bool { self[name] != nil }
}
