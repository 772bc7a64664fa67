import Foundation
import HummingbirdTesting
import Synchronization
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// Nearby users (issue "Finding people and messages", item 3): locations kept only as grid cells,
/// nearest first through each store's spatial index, and no way to place anyone more precisely
/// than their cell.
@Suite("Nearby users")
struct NearbyTests {
    static let epoch = Date(timeIntervalSince1970: 1_795_561_652)
    /// Paris, the Eiffel Tower.
    static let paris = try! GeoPoint(latitude: 48.8584, longitude: 2.2945)

    /// A point `north` and `east` km from `point` (flat-earth steps, fine at these distances).
    static func offset(_ point: GeoPoint, north: Double, east: Double) -> GeoPoint {
        let latitude = point.latitude + north / 111.32
        return try! GeoPoint(latitude: latitude, longitude: point.longitude + east / (111.32 * cos(latitude * .pi / 180)))
    }

    @Test("the grid: every point lies in its cell, a cell's centre is its own cell, rows tile the circle at the poles and the antimeridian")
    func grid() throws {
        let grid = LocationGrid(cellMeters: 1000)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let point = try GeoPoint(latitude: .random(in: -90...90, using: &generator), longitude: .random(in: -180...180, using: &generator))
            let cell = grid.cell(of: point)
            #expect(grid.cell(of: cell) == cell, "\(point) → \(cell)")
            #expect(abs(cell.latitudeE6 - point.latitudeE6) <= grid.rowHeightE6 / 2 + 1, "\(point) → \(cell)")
            let width = grid.columnWidthE6(atLatitudeE6: cell.latitudeE6)
            let east = abs(cell.longitudeE6 - point.longitudeE6)
            #expect(min(east, 360_000_000 - east) <= width / 2 + 1, "\(point) → \(cell)")
            // Away from the poles a cell is about as wide as asked.
            if abs(cell.latitude) < 80 { #expect(point.distanceKm(to: cell) < 0.75, "\(point) → \(cell)") }
        }
        for edge in [(90.0, 180.0), (-90.0, -180.0), (89.9999, 179.9999), (0, 180), (0, -180)] {
            let cell = grid.cell(of: try GeoPoint(latitude: edge.0, longitude: edge.1))
            #expect((-90_000_000...90_000_000).contains(cell.latitudeE6) && (-180_000_000..<180_000_000).contains(cell.longitudeE6), "\(edge)")
        }
        #expect(try GeoPoint(latitude: 0, longitude: 180) == GeoPoint(latitude: 0, longitude: -180))
        for bad in [(Double.nan, 0.0), (0, .nan), (90.01, 0), (-91, 0), (0, 180.5), (0, -.infinity)] {
            #expect(throws: APIError.self) { _ = try GeoPoint(latitude: bad.0, longitude: bad.1) }
        }
    }

    @Test("a query's box holds every point within its radius, near the poles and across the antimeridian too")
    func boxHoldsTheCircle() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let centre = try GeoPoint(latitude: .random(in: -89...89, using: &generator), longitude: .random(in: -180...180, using: &generator))
            let radius = Double.random(in: 0.5...NearbyService.maxRadiusKm, using: &generator)
            let box = GeoBox(around: centre, radiusKm: radius)
            // A point on the circle, in a random direction (a destination on the sphere).
            let bearing = Double.random(in: 0..<(2 * .pi), using: &generator)
            let δ = radius / GeoPoint.earthRadiusKm * 0.999, φ1 = centre.latitude * .pi / 180, λ1 = centre.longitude * .pi / 180
            let φ2 = asin(sin(φ1) * cos(δ) + cos(φ1) * sin(δ) * cos(bearing))
            var λ2 = λ1 + atan2(sin(bearing) * sin(δ) * cos(φ1), cos(δ) - sin(φ1) * sin(φ2))
            λ2 = (λ2 + 3 * .pi).truncatingRemainder(dividingBy: 2 * .pi) - .pi
            let edge = try GeoPoint(latitude: φ2 * 180 / .pi, longitude: λ2 * 180 / .pi)
            #expect(centre.distanceKm(to: edge) <= radius)
            #expect((box.minLatitudeE6...box.maxLatitudeE6).contains(edge.latitudeE6), "\(centre) r \(radius): \(edge) outside \(box)")
            #expect((box.minLongitudeE6...box.maxLongitudeE6).contains(edge.longitudeE6), "\(centre) r \(radius): \(edge) outside \(box)")
        }
    }

    @Test("nearest first within the radius, through the spatial index; the caller, the inactive and the expired left out", arguments: TestBackends.stores)
    func nearestFirst(backend: StoreBackend) async throws {
        try await withStore(backend) { store, _ in
            let clock = TestClock()
            let nearby = NearbyService(store: store, cellMeters: 1000, lifetime: 3600, now: clock.function)
            var users: [UserID] = []
            for index in 1...6 { users.append(try await store.createUser(NewUser(phoneNumber: freshPhone(index), firstName: "u\(index)"), at: Self.epoch).id) }
            let caller = users[0]
            // 0, 3, 8, 20 and 600 km east of Paris.
            for (user, east) in zip(users, [0.0, 3, 8, 20, 600, 0.2]) {
                _ = try await nearby.share(Self.offset(Self.paris, north: 0, east: east), accuracyMeters: 15, by: user)
            }
            let found = try await nearby.nearby(Self.paris, radiusKm: 50, limit: 10, by: caller)
            #expect(found.map(\.user.id) == [users[5], users[1], users[2], users[3]], "\(found)")
            // Measured to cell centres (within 0.71 km of each position) and rounded up to whole km.
            for (entry, east) in zip(found, [0.2, 3, 8, 20]) {
                #expect(Double(entry.distanceKm) >= max(1, east - 0.71) && Double(entry.distanceKm) < east + 1.71, "\(east): \(entry.distanceKm)")
            }
            #expect(try await nearby.nearby(Self.paris, radiusKm: 50, limit: 2, by: caller).map(\.user.id) == [users[5], users[1]])
            #expect(try await nearby.nearby(Self.paris, radiusKm: 500, limit: 10, by: caller).count == 4, "600 km is beyond 500")
            // Without a point: around the caller's own shared cell.
            #expect(try await nearby.nearby(nil, radiusKm: 50, limit: 10, by: caller).map(\.user.id) == [users[5], users[1], users[2], users[3]])

            let stored = try #require(try await nearby.location(of: users[1]))
            #expect(stored.cell == nearby.grid.cell(of: Self.offset(Self.paris, north: 0, east: 3)) && stored.accuracyMeters == 1000)

            #expect(try await nearby.stop(by: users[5]))
            #expect(!(try await nearby.stop(by: users[5])))
            _ = try await store.deleteUser(id: users[2])
            #expect(try await nearby.nearby(Self.paris, radiusKm: 50, limit: 10, by: caller).map(\.user.id) == [users[1], users[3]],
                "stopped and deleted users are gone from the index too")

            clock.advance(by: 1800)
            _ = try await nearby.share(Self.offset(Self.paris, north: 1, east: 1), accuracyMeters: nil, by: users[3])
            clock.advance(by: 1801)
            #expect(try await nearby.nearby(Self.paris, radiusKm: 50, limit: 10, by: caller).map(\.user.id) == [users[3]], "users[1] expired")
            await #expect(throws: APIError.self) { _ = try await nearby.nearby(nil, radiusKm: 50, limit: 10, by: caller) }
            #expect(try await store.purgeExpiredLocations(before: clock.now, limit: 1) == 1)
            #expect(try await store.purgeExpiredLocations(before: clock.now, limit: 10) == 2)
            #expect(try await store.purgeExpiredLocations(before: clock.now, limit: 10) == 0)
            #expect(try await nearby.location(of: users[3]) != nil)

            let inactive = User(id: UserID(rawValue: 1_000), phoneNumber: freshPhone(99), isActive: false, dateJoined: Self.epoch)
            try await store.importUsers([inactive])
            try await store.shareLocation(SharedLocation(user: inactive.id, cell: Self.paris, accuracyMeters: nil, expiresAt: clock.now + 60))
            #expect(try await nearby.nearby(Self.paris, radiusKm: 50, limit: 10, by: caller).map(\.user.id) == [users[3]], "inactive users are not listed")
        }
    }

    @Test("a dense cell answers the nearest few from its neighbourhood; move-data carries locations", arguments: TestBackends.stores)
    func denseAndMoved(backend: StoreBackend) async throws {
        try await withStore(.sqlite) { source, _ in
            let nearby = NearbyService(store: source, cellMeters: 1000, lifetime: 3600, now: { Self.epoch })
            var users: [UserID] = []
            for index in 1...40 { users.append(try await source.createUser(NewUser(phoneNumber: freshPhone(index)), at: Self.epoch).id) }
            for (index, user) in users.enumerated() {
                _ = try await nearby.share(Self.offset(Self.paris, north: Double(index % 5) * 2, east: Double(index / 5) * 2), accuracyMeters: nil, by: user)
            }
            let nearest = try await nearby.nearby(Self.paris, radiusKm: 200, limit: 5, by: users[0])
            #expect(nearest.count == 5 && nearest.map(\.distanceKm) == nearest.map(\.distanceKm).sorted())
            let everyone = try await nearby.nearby(Self.paris, radiusKm: 200, limit: 100, by: users[0])
            #expect(everyone.count == 39 && Array(everyone.prefix(5)) == nearest, "the first ring's answer is the nearest five of all")
            #expect(nearest.allSatisfy { $0.distanceKm <= 5 }, "\(nearest.map(\.distanceKm))")
            try await withStore(backend) { target, _ in
                try await DataMover(from: source, to: target, batchSize: 7).move()
                let moved = NearbyService(store: target, cellMeters: 1000, lifetime: 3600, now: { Self.epoch })
                #expect(try await moved.nearby(Self.paris, radiusKm: 200, limit: 5, by: users[0]) == nearest)
                #expect(try await moved.nearby(Self.paris, radiusKm: 200, limit: 100, by: users[0]) == everyone)
                #expect(try await moved.location(of: users[7]) == (try await nearby.location(of: users[7])))
            }
        }
    }

    /// What `GET /api/v2/users/nearby/` answers `watcher` about everyone, from each probe point.
    static func probe(_ client: some TestClientProtocol, from points: [GeoPoint], radii: [Int], as watcher: Session) async throws -> [String] {
        var answers: [String] = []
        for point in points {
            for radius in radii {
                let reply = try await client.call(.get, "/api/v2/users/nearby/?lat=\(point.latitude)&lon=\(point.longitude)&radius_km=\(radius)&limit=100", token: watcher.access)
                try #require(reply.status == .ok, "\(reply.text)")
                answers.append(reply.text)
            }
        }
        return answers
    }

    @Test("trilateration finds the cell, never the position: two places in one cell answer every probe identically")
    func trilateration() async throws {
        let grid = LocationGrid(cellMeters: 1000)
        let cell = grid.cell(of: Self.paris)
        // Near opposite corners of the one cell, about 1.2 km apart.
        let width = Double(grid.columnWidthE6(atLatitudeE6: cell.latitudeE6)) / 1e6
        let height = Double(grid.rowHeightE6) / 1e6
        let south = try GeoPoint(latitude: cell.latitude - height * 0.45, longitude: cell.longitude - width * 0.45)
        let north = try GeoPoint(latitude: cell.latitude + height * 0.45, longitude: cell.longitude + width * 0.45)
        #expect(grid.cell(of: south) == cell && grid.cell(of: north) == cell && south.distanceKm(to: north) > 1.1)
        // A ring of probes around the cell at many distances, plus some inside it.
        var probes: [GeoPoint] = []
        for step in 0..<24 {
            let angle = Double(step) * .pi / 12
            for distance in [0.3, 0.9, 1.7, 2.6, 5.1] {
                probes.append(Self.offset(cell, north: distance * sin(angle), east: distance * cos(angle)))
            }
        }
        let probePoints = probes
        let collected = Mutex<[[String]]>([])
        for place in [south, north] {
            try await withApp { client, _ in
                let cast = try await client.cast()
                let share = try await client.call(.put, "/api/v2/me/location/", json: #"{"lat": \#(place.latitude), "lon": \#(place.longitude)}"#, token: cast.alice.access)
                try #require(share.status == .ok, "\(share.text)")
                #expect(share.json?["lat"] == .double(cell.latitude) && share.json?["lon"] == .double(cell.longitude), "only the cell is kept")
                let seen = try await Self.probe(client, from: probePoints, radii: [1, 2, 3, 6], as: cast.rahul)
                collected.withLock { $0.append(seen) }
            }
        }
        let answers = collected.withLock { $0 }
        #expect(answers[0] == answers[1], "some probe told the two places apart")
        // And the probes did see her: distances change with the probe, so the answers carry information about the cell.
        #expect(Set(answers[0]).count > 4 && answers[0].contains { $0.contains(#""distance_km":1"#) })
    }

    @Test("share, show, stop over HTTP; bad coordinates, NaN, absurd radii and accuracies are 400 and change nothing")
    func routes() async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            #expect(try await client.call(.get, "/api/v2/me/location/", token: cast.alice.access).status == .notFound)
            let shared = try await client.call(.put, "/api/v2/me/location/", json: #"{"lat": 48.8584, "lon": 2.2945, "accuracy_m": 20}"#, token: cast.alice.access)
            #expect(shared.status == .ok && shared.json?["cell_m"] == .int(1000) && shared.json?["accuracy_m"] == .int(1000), "\(shared.text)")
            let shown = try await client.call(.get, "/api/v2/me/location/", token: cast.alice.access)
            #expect(shown.status == .ok && shown.json?["lat"] == shared.json?["lat"] && shown.json?["expires_at"] != nil)

            let found = try await client.call(.get, "/api/v2/users/nearby/?lat=48.8584&lon=2.2945", token: cast.rahul.access)
            let first = try #require(found.json?["results"]?.elements?.first, "\(found.text)")
            #expect(first["user"]?["id"] == .int(cast.alice.id) && first["user"]?["phone_number"] == nil && first["distance_km"] == .int(1))
            #expect(found.json?["distance_step_km"] == .int(1))
            let mine = try await client.call(.get, "/api/v2/users/nearby/", token: cast.alice.access)
            #expect(mine.status == .ok && mine.json?["results"]?.elements?.isEmpty == true, "alone around her own cell: \(mine.text)")
            let nowhere = try await client.call(.get, "/api/v2/users/nearby/", token: cast.rahul.access)
            #expect(nowhere.status == .badRequest && nowhere.json?["lat"] != nil, "no point and nothing shared")

            for (query, field) in [
                ("lat=NaN&lon=0", "lat"), ("lat=nan&lon=0", "lat"), ("lat=91&lon=0", "lat"), ("lat=0&lon=-180.01", "lon"), ("lat=1e400&lon=0", "lat"),
                ("lat=0x10&lon=0", "lat"), ("lat=0", "lon"), ("lon=0", "lat"), ("lat=&lon=0", "lat"), ("lat=0&lon=0&radius_km=0", "radius_km"),
                ("lat=0&lon=0&radius_km=-3", "radius_km"), ("lat=0&lon=0&radius_km=501", "radius_km"), ("lat=0&lon=0&radius_km=inf", "radius_km"),
                ("lat=0&lon=0&limit=101", "limit"), ("lat=0&lon=0&limit=0", "limit"),
            ] {
                let reply = try await client.call(.get, "/api/v2/users/nearby/?\(query)", token: cast.rahul.access)
                #expect(reply.status == .badRequest && reply.json?[field] != nil, "\(query): \(reply.text)")
            }
            for body in [
                #"{"lat": 91, "lon": 0}"#, #"{"lat": 0, "lon": 181}"#, #"{"lat": "48", "lon": 2}"#, #"{"lat": 48}"#, #"{"lat": 1e999, "lon": 0}"#,
                #"{"lat": 0, "lon": 0, "accuracy_m": -1}"#, #"{"lat": 0, "lon": 0, "accuracy_m": 1.5}"#, #"{"lat": 0, "lon": 0, "accuracy_m": 1000001}"#,
                #"[1, 2]"#, #"{"lat": NaN, "lon": 0}"#,
            ] {
                let reply = try await client.call(.put, "/api/v2/me/location/", json: body, token: cast.alice.access)
                #expect(reply.status == .badRequest && reply.json != nil, "\(body): \(reply.text)")
            }
            let kept = try await client.call(.get, "/api/v2/me/location/", token: cast.alice.access)
            #expect(kept.json?["lat"] == shared.json?["lat"] && kept.json?["lon"] == shared.json?["lon"], "refused bodies changed nothing")

            #expect(try await client.call(.delete, "/api/v2/me/location/", token: cast.alice.access).status == .noContent)
            #expect(try await client.call(.delete, "/api/v2/me/location/", token: cast.alice.access).status == .notFound)
            let gone = try await client.call(.get, "/api/v2/users/nearby/?lat=48.8584&lon=2.2945", token: cast.rahul.access)
            #expect(gone.json?["results"]?.elements?.isEmpty == true, "\(gone.text)")
            #expect(try await client.call(.get, "/api/v2/users/nearby/?lat=0&lon=0").status == .unauthorized)
        }
    }
}
