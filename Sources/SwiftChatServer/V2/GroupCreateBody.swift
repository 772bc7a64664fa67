import SwiftChatCore

/// `POST /api/v2/conversations/`: `{"title", "members"?}`.
struct GroupCreateBody: Decodable {
    let title: String
    let members: [UserID]?

    /// The members (without the creator, who is added as owner), at most `maxMembers`.
    func validated(maxMembers: Int) throws -> (title: String, members: [UserID]) {
        try V2Field.checkNoNUL(title, "title")
        let members = members ?? []
        if members.count > maxMembers { throw APIError.field("members", "At most \(maxMembers) ids.") }
        return (title, members)
    }
}
