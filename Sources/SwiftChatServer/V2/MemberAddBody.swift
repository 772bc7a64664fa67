import SwiftChatCore

/// `POST /api/v2/conversations/{id}/members/`: `{"user", "role"?}` (a member by default).
struct MemberAddBody: Decodable {
    let user: UserID
    let role: String?

    func validated() throws -> (user: UserID, role: MemberRole) {
        (user, try role.map(V2Field.role) ?? .member)
    }
}
