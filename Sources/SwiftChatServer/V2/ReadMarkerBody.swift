import SwiftChatCore

/// `POST /api/v2/conversations/{id}/read/`: `{"message_id"}`.
struct ReadMarkerBody: Decodable {
    let messageID: ChatMessageID

    enum CodingKeys: String, CodingKey {
        case messageID = "message_id"
    }
}
