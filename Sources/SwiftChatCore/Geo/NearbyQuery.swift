import Foundation

/// One store query for `GET /api/v2/users/nearby/`: sharers within `radiusKm` of `centre`,
/// nearest first (ties by id), the caller, inactive users and expired locations left out.
public struct NearbyQuery: Sendable, Equatable {
    public let centre: GeoPoint
    public let radiusKm: Double
    public let excluding: UserID
    public let now: Date
    public let limit: Int

    public var box: GeoBox { GeoBox(around: centre, radiusKm: radiusKm) }
    /// The haversine value rows must not exceed.
    public var maxHaversine: Double { GeoPoint.haversine(ofDistanceKm: radiusKm) }

    public init(centre: GeoPoint, radiusKm: Double, excluding: UserID, now: Date, limit: Int) {
        self.centre = centre
        self.radiusKm = radiusKm
        self.excluding = excluding
        self.now = now
        self.limit = limit
    }

    /// The haversine formula over a row's `latitude_e6` / `longitude_e6` columns, for SQL that has
    /// sin, cos and radians; `latitude` and `longitude` are the centre's placeholders, in degrees.
    public static func haversineSQL(alias: String, latitude: String, longitude: String, real: String = "") -> String {
        let rowLatitude = "radians(\(alias).latitude_e6\(real) / 1000000.0)"
        let rowLongitude = "radians(\(alias).longitude_e6\(real) / 1000000.0)"
        return "(power(sin((\(rowLatitude) - radians(\(latitude))) / 2), 2) + cos(radians(\(latitude))) * cos(\(rowLatitude)) "
            + "* power(sin((\(rowLongitude) - radians(\(longitude))) / 2), 2))"
    }
}
