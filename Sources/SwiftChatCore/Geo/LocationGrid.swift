import Foundation

/// How shared locations are coarsened before they are stored: the earth is cut into cells about
/// `cellMeters` on a side and a location becomes its cell's centre. Every answer about a user is
/// computed from that centre alone, so no set of queries tells two positions in one cell apart.
///
/// Cells are rows of equal latitude height; each row is cut into a whole number of equal
/// longitude widths, as near `cellMeters` as the row's circumference allows, so a row tiles the
/// circle with no sliver at the antimeridian.
public struct LocationGrid: Sendable, Equatable {
    static let metersPerDegree = 111_320.0

    public let cellMeters: Double
    let rowHeightE6: Int64
    let rows: Int64

    public init(cellMeters: Double) {
        precondition(cellMeters >= 1)
        self.cellMeters = cellMeters
        rowHeightE6 = max(1, Int64((cellMeters / Self.metersPerDegree * 1e6).rounded()))
        rows = (180_000_000 + rowHeightE6 - 1) / rowHeightE6
    }

    /// The centre of the cell holding `point`.
    public func cell(of point: GeoPoint) -> GeoPoint {
        let row = min(rows - 1, (point.latitudeE6 + 90_000_000) / rowHeightE6)
        let centreLatitudeE6 = min(90_000_000, -90_000_000 + row * rowHeightE6 + rowHeightE6 / 2)
        let width = columnWidthE6(atLatitudeE6: centreLatitudeE6)
        let column = min(360_000_000 / width - 1, (point.longitudeE6 + 180_000_000) / width)
        return GeoPoint(latitudeE6: centreLatitudeE6, longitudeE6: -180_000_000 + column * width + width / 2)
    }

    /// The width of the cells in the row centred on this latitude: 360° split into a whole number of columns.
    func columnWidthE6(atLatitudeE6 latitudeE6: Int64) -> Int64 {
        let circumference = 360 * Self.metersPerDegree * cos(Double(latitudeE6) / 1e6 * .pi / 180)
        let columns = max(1, Int64((circumference / cellMeters).rounded(.down)))
        return 360_000_000 / columns
    }
}
