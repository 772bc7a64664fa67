/// `POST /api/v2/uploads/complete/`: `{"key", "token", "name"?}` from the upload form.
struct UploadCompleteBody: Decodable {
    let key: String
    let token: String
    let name: String?
}
