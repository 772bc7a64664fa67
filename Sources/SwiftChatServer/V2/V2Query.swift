import SwiftChatCore

/// Query parameters of the v2 routes: a bad value is a 400 naming the parameter, never ignored.
enum V2Query {
    static func limit(_ text: String?, default value: Int, max: Int) throws -> Int {
        guard let text else { return value }
        guard let limit = Int(text), (1...max).contains(limit) else { throw APIError.field("limit", "A whole number from 1 to \(max).") }
        return limit
    }

    static func messageID(_ text: String?, name: String) throws -> ChatMessageID? {
        guard let text else { return nil }
        guard let id = Int64(text), id >= 0 else { throw APIError.field(name, "A message id (a whole number).") }
        return ChatMessageID(rawValue: id)
    }

    static func sequence(_ text: String?, name: String) throws -> Int64? {
        guard let text else { return nil }
        guard let seq = Int64(text), seq >= 0 else { throw APIError.field(name, "A seq (a whole number, 0 or more).") }
        return seq
    }

    /// A decimal number such as `-33.86` or `1e3`; `nan`, `inf` and hex floats are refused here,
    /// and range checks are the caller's.
    static func number(_ text: String?, name: String) throws -> Double? {
        guard let text else { return nil }
        guard text.utf8.count <= 32, text.utf8.allSatisfy({ "0123456789+-.eE".utf8.contains($0) }), let value = Double(text), value.isFinite else {
            throw APIError.field(name, "A decimal number.")
        }
        return value
    }
}
