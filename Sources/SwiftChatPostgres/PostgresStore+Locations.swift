import Foundation
import PostgresNIO
import SwiftChatCore

extension PostgresStore {
    public func shareLocation(_ location: SharedLocation) async throws {
        try await pooled { connection, logger in
            try await connection.run("""
                INSERT INTO user_locations (user_id, latitude_e6, longitude_e6, accuracy_m, expires_at)
                SELECT id, \(location.cell.latitudeE6), \(location.cell.longitudeE6), \(location.accuracyMeters.map(Int64.init)), \(Timestamp(location.expiresAt))
                FROM users WHERE id = \(location.user)
                ON CONFLICT (user_id) DO UPDATE SET latitude_e6 = EXCLUDED.latitude_e6, longitude_e6 = EXCLUDED.longitude_e6,
                    accuracy_m = EXCLUDED.accuracy_m, expires_at = EXCLUDED.expires_at
                """, logger: logger)
        }
    }

    public func stopSharingLocation(of user: UserID) async throws -> Bool {
        try await pooled { connection, logger in
            try await connection.first("DELETE FROM user_locations WHERE user_id = \(user) RETURNING user_id", logger: logger) {
                try $0.next(UserID.self)
            } != nil
        }
    }

    public func sharedLocation(of user: UserID, now: Date) async throws -> SharedLocation? {
        try await pooled { connection, logger in
            try await connection.first("""
                SELECT latitude_e6, longitude_e6, accuracy_m, expires_at FROM user_locations WHERE user_id = \(user) AND expires_at > \(Timestamp(now))
                """, logger: logger) { row in
                SharedLocation(
                    user: user, cell: GeoPoint(latitudeE6: try row.next(), longitudeE6: try row.next()),
                    accuracyMeters: try row.next(Int64?.self).map { Int($0) }, expiresAt: try row.next(Timestamp.self).date)
            }
        }
    }

    /// The GiST index narrows to the query's box (`<@`); the haversine test and order are exact.
    public func usersNear(_ query: NearbyQuery) async throws -> [(user: User, cell: GeoPoint)] {
        let box = query.box
        let columns = Self.userColumns.split(separator: ", ").map { "u.\($0)" }.joined(separator: ", ")
        let distance = NearbyQuery.haversineSQL(alias: "l", latitude: "$1", longitude: "$2", real: "::float8")
        var binds = PostgresBindings()
        binds.append(query.centre.latitude)
        binds.append(query.centre.longitude)
        for corner in [box.minLongitudeE6, box.minLatitudeE6, box.maxLongitudeE6, box.maxLatitudeE6] { binds.append(Double(corner)) }
        binds.append(Timestamp(query.now))
        binds.append(query.excluding.rawValue)
        binds.append(query.maxHaversine)
        binds.append(Int64(query.limit))
        let statement = PostgresQuery(unsafeSQL: """
            SELECT \(columns), l.latitude_e6, l.longitude_e6 FROM user_locations l JOIN users u ON u.id = l.user_id
            WHERE point(l.longitude_e6::float8, l.latitude_e6::float8) <@ box(point($3, $4), point($5, $6))
              AND l.expires_at > $7 AND l.user_id <> $8 AND u.is_active AND \(distance) <= $9
            ORDER BY \(distance), l.user_id LIMIT $10
            """, binds: binds)
        return try await pooled { connection, logger in
            try await connection.all(statement, logger: logger) { row in
                (try row.user(), GeoPoint(latitudeE6: try row.next(), longitudeE6: try row.next()))
            }
        }
    }

    public func purgeExpiredLocations(before date: Date, limit: Int) async throws -> Int {
        try await pooled { connection, logger in
            try await connection.all("""
                DELETE FROM user_locations WHERE user_id IN (SELECT user_id FROM user_locations WHERE expires_at <= \(Timestamp(date)) LIMIT \(Int64(limit)))
                RETURNING user_id
                """, logger: logger) { try $0.next(UserID.self) }.count
        }
    }
}
