import Foundation

/// A latitude/longitude rectangle holding every point within a distance of a centre: what a
/// store's spatial index narrows to before the exact distance is checked.
public struct GeoBox: Sendable, Equatable {
    public let minLatitudeE6: Int64
    public let maxLatitudeE6: Int64
    /// The whole circle when the box would cross the antimeridian or a pole.
    public let minLongitudeE6: Int64
    public let maxLongitudeE6: Int64

    public init(around centre: GeoPoint, radiusKm: Double) {
        let latitudeSpan = radiusKm / GeoPoint.earthRadiusKm * 180 / .pi
        let south = centre.latitude - latitudeSpan, north = centre.latitude + latitudeSpan
        minLatitudeE6 = Int64((max(-90, south) * 1e6).rounded(.down))
        maxLatitudeE6 = Int64((min(90, north) * 1e6).rounded(.up))
        // The widest a circle gets is at its edge nearest a pole.
        let widest = max(abs(south), abs(north))
        let longitudeSpan = widest >= 90 ? 360 : latitudeSpan / cos(widest * .pi / 180)
        let west = centre.longitude - longitudeSpan, east = centre.longitude + longitudeSpan
        if longitudeSpan >= 180 || west < -180 || east > 180 {
            minLongitudeE6 = -180_000_000
            maxLongitudeE6 = 180_000_000
        } else {
            minLongitudeE6 = Int64((west * 1e6).rounded(.down))
            maxLongitudeE6 = Int64((east * 1e6).rounded(.up))
        }
    }
}
