import HTTPTypes
import Hummingbird
import SwiftChatCore
import Synchronization

/// Every route the API serves, with its methods, kept beside the router so that requests can be
/// answered as Django does before they reach it: a GET without the trailing slash is redirected
/// (301), a known path with another method gets a JSON 405, and an unknown path a JSON 404.
final class RouteTable: Sendable {
    struct Route: Sendable {
        let method: HTTPRequest.Method
        /// Like `/api/core/user/{id}/`.
        let path: String
        /// Served with and without the final slash, never redirected (`/ws`, `/health`).
        let slashOptional: Bool
        let doc: APIDoc
        /// The path split once, at registration (matching runs on every request).
        let segments: [String]
        let parameterCount: Int

        init(method: HTTPRequest.Method, path: String, slashOptional: Bool, doc: APIDoc) {
            self.method = method
            self.path = path
            self.slashOptional = slashOptional
            self.doc = doc
            self.segments = path.split(separator: "/").map(String.init)
            self.parameterCount = segments.filter { $0.hasPrefix("{") }.count
        }

        func matches(_ path: [Substring]) -> Bool {
            segments.count == path.count && zip(segments, path).allSatisfy { $0.hasPrefix("{") || $0 == $1 }
        }
    }

    private let routes = Mutex<[Route]>([])
    /// The first path segments of the API (`api`, `health`, `swagger`…): the table rules paths
    /// under these only, so that pages can be served beside the API.
    private let prefixes = Mutex<Set<String>>([])
    /// Routes of the deployment that processes of another role serve (`/ws/` for a web
    /// process): documented here, never matched.
    private let servedElsewhere = Mutex<[Route]>([])

    func add(_ route: Route) {
        routes.withLock { $0.append(route) }
        addPrefix(of: route)
    }

    func addServedElsewhere(_ route: Route) {
        servedElsewhere.withLock { $0.append(route) }
        addPrefix(of: route)
    }

    private func addPrefix(of route: Route) {
        guard let first = route.segments.first else { return }
        prefixes.withLock { _ = $0.insert(first) }
    }

    /// Whether `path` lies under one of the API's first segments.
    func covers(_ path: String) -> Bool {
        guard let first = path.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: true).first else { return false }
        return prefixes.withLock { $0.contains(String(first)) }
    }

    var all: [Route] { routes.withLock { $0 } }

    /// What the API documentation lists: the whole deployment's routes.
    var documented: [Route] { all + servedElsewhere.withLock { $0 } }

    /// The routes matching a concrete path, the most specific only: a literal segment wins
    /// over a `{parameter}`, as in the router (`/user/me/` is not `/user/{id}/`).
    func matches(_ path: String) -> [Route] {
        let segments = path.split(separator: "/", omittingEmptySubsequences: true)
        let matching = routes.withLock { table in table.filter { $0.matches(segments) } }
        guard let fewest = matching.map(\.parameterCount).min() else { return [] }
        return matching.filter { $0.parameterCount == fewest }
    }
}

/// Registers a route on the router and in the table at once, so the two cannot drift.
struct APIRoutes<Context: RequestContext> {
    let router: Router<Context>
    let table: RouteTable

    func on(
        _ method: HTTPRequest.Method, _ path: String, slashOptional: Bool = false, doc: APIDoc,
        use handler: @escaping @Sendable (Request, Context) async throws -> Response
    ) {
        table.add(RouteTable.Route(method: method, path: path, slashOptional: slashOptional, doc: doc))
        let routerPath = path.split(separator: "/").map { $0.hasPrefix("{") ? ":" + $0.dropFirst().dropLast() : String($0) }.joined(separator: "/")
        router.on(RouterPath(routerPath), method: method, use: handler)
    }
}

/// Applies the route table to the API's paths: 301 for a slashless GET, 405, 404; OPTIONS
/// answers with `Allow`. Other paths go to the router as they are (one it does not serve gets
/// the same JSON 404 from `JSONErrorMiddleware`).
struct RouteTableMiddleware<Context: RequestContext>: RouterMiddleware {
    let table: RouteTable
    /// Throws the 401 for a request without valid credentials.
    let requireCaller: @Sendable (Request) async throws -> Void

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard table.covers(path) else { return try await next(request, context) }
        let slashed = path.hasSuffix("/") ? path : path + "/"
        let routes = table.matches(slashed)
        guard !routes.isEmpty else { throw APIError.notFound }
        let methods = Set(routes.map(\.method))
        let method = request.method
        let allowed = methods.contains(method) || (method == .head && methods.contains(.get))
        let redirects = !routes.contains(where: \.slashOptional)
        // Django's APPEND_SLASH redirects whenever the slashed path exists, whatever methods it takes.
        if !path.hasSuffix("/"), redirects, method == .get || method == .head {
            let query = request.uri.query.map { "?" + $0 } ?? ""
            return Response(status: .movedPermanently, headers: [.location: slashed + query, .contentLength: "0"])
        }
        if method == .options {
            var response = Response.json(.object([]))
            response.headers[.allow] = Self.allowHeader(methods)
            return response
        }
        guard allowed else {
            // DRF authenticates before it looks at the method: where every route of the path
            // needs a user, a caller without credentials gets the 401, not the 405.
            if routes.allSatisfy({ $0.doc.access == .user }) { try await requireCaller(request) }
            var response = try APIError.methodNotAllowed(method.rawValue).response(from: request, context: context)
            response.headers[.allow] = Self.allowHeader(methods)
            return response
        }
        return try await next(request, context)
    }

    private static func allowHeader(_ methods: Set<HTTPRequest.Method>) -> String {
        (methods.map(\.rawValue) + ["OPTIONS"]).sorted().joined(separator: ", ")
    }
}
