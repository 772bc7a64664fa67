import Foundation

/// Sharing a location and listing the people near a point.
///
/// Privacy rests on the grid: a location is stored as its cell's centre, so everything said about
/// a user (whether they are within a radius, their distance, their rank) depends on that centre
/// alone. Distances are also rounded up to whole steps of the cell size, so the list never looks
/// more exact than it is.
public struct NearbyService: Sendable {
    /// The widest search.
    public static let maxRadiusKm = 500.0
    /// The loosest accuracy a client may claim.
    public static let maxAccuracyMeters = 1_000_000

    let store: any ChatStore
    public let grid: LocationGrid
    let lifetime: TimeInterval
    let now: @Sendable () -> Date

    public init(store: any ChatStore, cellMeters: Double, lifetime: TimeInterval, now: @escaping @Sendable () -> Date = Date.init) {
        self.store = store
        self.grid = LocationGrid(cellMeters: cellMeters)
        self.lifetime = lifetime
        self.now = now
    }

    /// The step distances are rounded up to, in km: the cell size, and never under 1 km.
    public var distanceStepKm: Int { max(1, Int((grid.cellMeters / 1000).rounded(.up))) }

    public func share(_ position: GeoPoint, accuracyMeters: Int?, by user: UserID) async throws -> SharedLocation {
        if let accuracyMeters, !(0...Self.maxAccuracyMeters).contains(accuracyMeters) {
            throw APIError.field("accuracy_m", "A whole number of metres, from 0 to \(Self.maxAccuracyMeters).")
        }
        let location = SharedLocation(
            user: user, cell: grid.cell(of: position), accuracyMeters: accuracyMeters.map { max($0, Int(grid.cellMeters.rounded(.up))) },
            expiresAt: now().addingTimeInterval(lifetime))
        try await store.shareLocation(location)
        return location
    }

    public func stop(by user: UserID) async throws -> Bool {
        try await store.stopSharingLocation(of: user)
    }

    public func location(of user: UserID) async throws -> SharedLocation? {
        try await store.sharedLocation(of: user, now: now())
    }

    /// The nearest sharers within `radiusKm` of `centre` (the caller's own shared cell when nil).
    /// The search widens in rings from a few cells out, so a dense city answers from its
    /// neighbourhood instead of sorting everyone within the radius.
    public func nearby(_ centre: GeoPoint?, radiusKm: Double, limit: Int, by caller: UserID) async throws -> [NearbyUser] {
        let moment = now()
        guard radiusKm.isFinite, radiusKm > 0, radiusKm <= Self.maxRadiusKm else {
            throw APIError.field("radius_km", "A distance in km, more than 0 and at most \(Int(Self.maxRadiusKm)).")
        }
        var from = centre
        if from == nil { from = try await store.sharedLocation(of: caller, now: moment)?.cell }
        guard let centre = from else { throw APIError.field("lat", "Give lat and lon, or share your location first.") }
        var ring = min(radiusKm, 4 * Double(distanceStepKm))
        while true {
            let found = try await store.usersNear(NearbyQuery(centre: centre, radiusKm: ring, excluding: caller, now: moment, limit: limit))
            if found.count >= limit || ring >= radiusKm {
                return found.map { NearbyUser(user: $0.user, distanceKm: rounded(centre.distanceKm(to: $0.cell))) }
            }
            ring = min(radiusKm, ring * 4)
        }
    }

    /// Up to the next whole step (a user in the caller's own cell is one step away, never 0).
    func rounded(_ distance: Double) -> Int {
        max(1, Int((distance / Double(distanceStepKm)).rounded(.up))) * distanceStepKm
    }
}
