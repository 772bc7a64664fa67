/// `PUT /api/v2/me/privacy/`: `{"searchable_by_phone"}`.
struct PrivacySettingBody: Decodable {
    let searchableByPhone: Bool

    enum CodingKeys: String, CodingKey {
        case searchableByPhone = "searchable_by_phone"
    }
}
