/// `PUT /api/v2/me/presence/`: `{"hidden"}`.
struct PresenceSettingBody: Decodable {
    let hidden: Bool
}
