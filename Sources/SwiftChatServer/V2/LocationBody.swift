/// `PUT /api/v2/me/location/`: `{"lat", "lon", "accuracy_m"?}`, in degrees and metres.
struct LocationBody: Decodable {
    let lat: Double
    let lon: Double
    let accuracyMeters: Int?

    enum CodingKeys: String, CodingKey {
        case lat, lon
        case accuracyMeters = "accuracy_m"
    }
}
