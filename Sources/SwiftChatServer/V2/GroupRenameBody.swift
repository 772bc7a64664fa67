/// `PATCH /api/v2/conversations/{id}/`: `{"title"}`.
struct GroupRenameBody: Decodable {
    let title: String

    func validated() throws -> String {
        try V2Field.checkNoNUL(title, "title")
        return title
    }
}
