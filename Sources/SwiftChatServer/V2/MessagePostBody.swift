import SwiftChatCore

/// `POST /api/v2/conversations/{id}/messages/`: `{"text", "client_id"?, "attachments"?}`. The
/// text is kept exactly as sent; blank and length are the service's checks, as is the client_id's
/// length and the number of attachments (the body's size bounds the list before that).
struct MessagePostBody: Decodable {
    let text: String?
    let clientID: String?
    let attachments: [AttachmentID]?

    enum CodingKeys: String, CodingKey {
        case text
        case clientID = "client_id"
        case attachments
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        // Absent is allowed (a post of attachments alone); null is refused like any other null.
        text = container.contains(.text) ? try container.decode(String.self, forKey: .text) : nil
        clientID = try container.decodeIfPresent(String.self, forKey: .clientID)
        attachments = try container.decodeIfPresent([AttachmentID].self, forKey: .attachments)
    }

    func validated() throws -> (text: String, clientID: String?, attachments: [AttachmentID]) {
        if text == nil && (attachments ?? []).isEmpty { throw APIError.field("text", ErrorText.required) }
        let text = text ?? ""
        try V2Field.checkNoNUL(text, "text")
        if let clientID { try V2Field.checkNoNUL(clientID, "client_id") }
        return (text, clientID, attachments ?? [])
    }
}
