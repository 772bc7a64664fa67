import Foundation
import GRDB
import SwiftChatCore

extension SQLiteStore {
    public func shareLocation(_ location: SharedLocation) async throws {
        try await write { db in
            try db.run(sql: """
                INSERT INTO user_locations (user_id, latitude_e6, longitude_e6, accuracy_m, expires_at) SELECT id, ?, ?, ?, ? FROM users WHERE id = ?
                ON CONFLICT (user_id) DO UPDATE SET latitude_e6 = excluded.latitude_e6, longitude_e6 = excluded.longitude_e6,
                    accuracy_m = excluded.accuracy_m, expires_at = excluded.expires_at
                """, arguments: [location.cell.latitudeE6, location.cell.longitudeE6, location.accuracyMeters, Micros.from(location.expiresAt), location.user])
        }
    }

    public func stopSharingLocation(of user: UserID) async throws -> Bool {
        try await write { db in
            try db.run(sql: "DELETE FROM user_locations WHERE user_id = ?", arguments: [user])
            return db.changesCount > 0
        }
    }

    public func sharedLocation(of user: UserID, now: Date) async throws -> SharedLocation? {
        try await read { db in
            try db.fetchRow(sql: """
                SELECT latitude_e6, longitude_e6, accuracy_m, expires_at FROM user_locations WHERE user_id = ? AND expires_at > ?
                """, arguments: [user, Micros.from(now)]
            ).map { row in
                SharedLocation(
                    user: user, cell: GeoPoint(latitudeE6: row["latitude_e6"], longitudeE6: row["longitude_e6"]),
                    accuracyMeters: row["accuracy_m"], expiresAt: Micros.date(row["expires_at"]))
            }
        }
    }

    /// The R*Tree narrows to the query's box; the haversine test and order are exact.
    public func usersNear(_ query: NearbyQuery) async throws -> [(user: User, cell: GeoPoint)] {
        let box = query.box
        let columns = Self.userColumns.split(separator: ", ").map { "u.\($0)" }.joined(separator: ", ")
        let distance = NearbyQuery.haversineSQL(alias: "l", latitude: "?1", longitude: "?2")
        let sql = """
            SELECT \(columns), l.latitude_e6, l.longitude_e6 FROM user_locations_index r
            JOIN user_locations l ON l.user_id = r.user_id JOIN users u ON u.id = l.user_id
            WHERE r.max_lat >= ?3 AND r.min_lat <= ?4 AND r.max_lon >= ?5 AND r.min_lon <= ?6
              AND l.expires_at > ?7 AND l.user_id <> ?8 AND u.is_active AND \(distance) <= ?9
            ORDER BY \(distance), l.user_id LIMIT ?10
            """
        let arguments: StatementArguments = [
            query.centre.latitude, query.centre.longitude, box.minLatitudeE6, box.maxLatitudeE6, box.minLongitudeE6, box.maxLongitudeE6,
            Micros.from(query.now), query.excluding, query.maxHaversine, query.limit,
        ]
        return try await read { db in
            try db.fetchRows(sql: sql, arguments: arguments).map { row in
                (Self.user(from: row), GeoPoint(latitudeE6: row["latitude_e6"], longitudeE6: row["longitude_e6"]))
            }
        }
    }

    public func purgeExpiredLocations(before date: Date, limit: Int) async throws -> Int {
        try await write { db in
            try db.run(sql: """
                DELETE FROM user_locations WHERE user_id IN (SELECT user_id FROM user_locations WHERE expires_at <= ? LIMIT ?)
                """, arguments: [Micros.from(date), limit])
            return db.changesCount
        }
    }
}
