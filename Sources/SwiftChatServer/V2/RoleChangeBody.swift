import SwiftChatCore

/// `PATCH /api/v2/conversations/{id}/members/{user_id}/`: `{"role"}`.
struct RoleChangeBody: Decodable {
    let role: String

    func validated() throws -> MemberRole {
        try V2Field.role(role)
    }
}
