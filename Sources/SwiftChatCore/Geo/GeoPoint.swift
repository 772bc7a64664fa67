import Foundation

/// A place on the earth, in whole microdegrees (about 0.1 m): exact in both stores, which keep
/// integers, and in `move-data`, which copies integers.
public struct GeoPoint: Sendable, Equatable, Hashable {
    public static let earthRadiusKm = 6_371.0088

    public let latitudeE6: Int64
    public let longitudeE6: Int64

    public var latitude: Double { Double(latitudeE6) / 1e6 }
    public var longitude: Double { Double(longitudeE6) / 1e6 }

    public init(latitudeE6: Int64, longitudeE6: Int64) {
        self.latitudeE6 = latitudeE6
        self.longitudeE6 = longitudeE6
    }

    /// Checks what a client sent: finite, latitude within ±90, longitude within ±180 (180 is
    /// stored as -180, the same meridian).
    public init(latitude: Double, longitude: Double, latitudeField: String = "lat", longitudeField: String = "lon") throws {
        guard latitude.isFinite, (-90...90).contains(latitude) else {
            throw APIError.field(latitudeField, "A latitude in degrees, from -90 to 90.")
        }
        guard longitude.isFinite, (-180...180).contains(longitude) else {
            throw APIError.field(longitudeField, "A longitude in degrees, from -180 to 180.")
        }
        latitudeE6 = Int64((latitude * 1e6).rounded())
        let east = Int64((longitude * 1e6).rounded())
        longitudeE6 = east == 180_000_000 ? -180_000_000 : east
    }

    /// Great-circle distance (haversine), the same formula the stores' queries order by.
    public func distanceKm(to other: GeoPoint) -> Double {
        2 * Self.earthRadiusKm * asin(min(1, sqrt(haversine(to: other))))
    }

    /// sin²(Δφ/2) + cos φ₁ cos φ₂ sin²(Δλ/2): grows with distance, so it orders as distance does.
    public func haversine(to other: GeoPoint) -> Double {
        let φ1 = latitude * .pi / 180, φ2 = other.latitude * .pi / 180
        let Δφ = φ2 - φ1, Δλ = (other.longitude - longitude) * .pi / 180
        return pow(sin(Δφ / 2), 2) + cos(φ1) * cos(φ2) * pow(sin(Δλ / 2), 2)
    }

    /// The haversine value of a distance: a query keeps rows at or under it.
    public static func haversine(ofDistanceKm distance: Double) -> Double {
        pow(sin(min(distance / earthRadiusKm, .pi) / 2), 2)
    }
}
