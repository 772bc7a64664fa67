import SwiftChatCore

/// Checks v2 bodies share once decoded.
enum V2Field {
    /// No NUL: SQLite would cut the text there.
    static func checkNoNUL(_ text: String, _ name: String) throws {
        if text.utf8.contains(0) { throw APIError.field(name, ErrorText.nullCharacters) }
    }

    static func role(_ text: String) throws -> MemberRole {
        guard let role = MemberRole(rawValue: text) else { throw APIError.field("role", ErrorText.invalidChoice(text)) }
        return role
    }
}
