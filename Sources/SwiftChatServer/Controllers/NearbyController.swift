import Foundation
import Hummingbird
import SwiftChatCore

/// `/api/v2/me/location/` (share, show, stop sharing) and `/api/v2/users/nearby/`.
struct NearbyController {
    let api: APIContext
    let nearby: NearbyService

    func register(on routes: APIRoutes<AppRequestContext>) {
        routes.on(.get, "/api/v2/me/location/", doc: Docs.sharedLocation, use: show)
        routes.on(.put, "/api/v2/me/location/", doc: Docs.shareLocation, use: share)
        routes.on(.delete, "/api/v2/me/location/", doc: Docs.stopSharingLocation, use: stop)
        routes.on(.get, "/api/v2/users/nearby/", doc: Docs.nearbyUsers, use: list)
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        guard let location = try await nearby.location(of: caller.id) else { throw APIError.notFound }
        return .json(representation(of: location))
    }

    @Sendable func share(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let body = try await V2Body.decode(LocationBody.self, from: request, maxSize: api.maxBodySize)
        let position = try GeoPoint(latitude: body.lat, longitude: body.lon)
        return .json(representation(of: try await nearby.share(position, accuracyMeters: body.accuracyMeters, by: caller.id)))
    }

    @Sendable func stop(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        guard try await nearby.stop(by: caller.id) else { throw APIError.notFound }
        return Response(status: .noContent)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let query = request.uri.queryParameters
        let latitude = try V2Query.number(query.get("lat"), name: "lat")
        let longitude = try V2Query.number(query.get("lon"), name: "lon")
        let centre: GeoPoint?
        switch (latitude, longitude) {
        case (let latitude?, let longitude?): centre = try GeoPoint(latitude: latitude, longitude: longitude)
        case (nil, nil): centre = nil
        case (nil, _): throw APIError.field("lat", "Give lat with lon.")
        case (_, nil): throw APIError.field("lon", "Give lon with lat.")
        }
        let radius = try V2Query.number(query.get("radius_km"), name: "radius_km") ?? 10
        let limit = try V2Query.limit(query.get("limit"), default: 20, max: 100)
        let found = try await nearby.nearby(centre, radiusKm: radius, limit: limit, by: caller.id)
        let results: [JSONValue] = found.map { entry in
            .object([
                ("user", .object([
                    ("id", .id(entry.user.id)), ("first_name", .string(entry.user.firstName)), ("last_name", .string(entry.user.lastName)),
                ])),
                ("distance_km", .int(Int64(entry.distanceKm))),
            ])
        }
        return .json(.object([("results", .array(results)), ("distance_step_km", .int(Int64(nearby.distanceStepKm)))]))
    }

    /// The stored cell, which is all the server keeps: the client sees how coarse it is.
    private func representation(of location: SharedLocation) -> JSONValue {
        .object([
            ("lat", .double(location.cell.latitude)), ("lon", .double(location.cell.longitude)),
            ("accuracy_m", location.accuracyMeters.map { .int(Int64($0)) } ?? .null),
            ("cell_m", .int(Int64(nearby.grid.cellMeters))), ("expires_at", .string(ISOTimestamp.string(location.expiresAt))),
        ])
    }
}
