/// A user in a nearby list, with the distance as shown: rounded up to whole steps of the grid.
public struct NearbyUser: Sendable, Equatable {
    public let user: User
    public let distanceKm: Int

    public init(user: User, distanceKm: Int) {
        self.user = user
        self.distanceKm = distanceKm
    }
}
