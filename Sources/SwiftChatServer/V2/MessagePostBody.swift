/// `POST /api/v2/conversations/{id}/messages/`: `{"text", "client_id"?}`. The text is kept exactly
/// as sent; blank and length are the service's checks, as is the client_id's length.
struct MessagePostBody: Decodable {
    let text: String
    let clientID: String?

    enum CodingKeys: String, CodingKey {
        case text
        case clientID = "client_id"
    }

    func validated() throws -> (text: String, clientID: String?) {
        try V2Field.checkNoNUL(text, "text")
        if let clientID { try V2Field.checkNoNUL(clientID, "client_id") }
        return (text, clientID)
    }
}
