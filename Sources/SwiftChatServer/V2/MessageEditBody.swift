/// `PATCH /api/v2/conversations/{id}/messages/{message_id}/`: `{"text"}`.
struct MessageEditBody: Decodable {
    let text: String

    func validated() throws -> String {
        try V2Field.checkNoNUL(text, "text")
        return text
    }
}
