import HTTPTypes
import Hummingbird

/// django-cors-headers as the original configured it: origins from `CORS_ALLOWED_ORIGINS`
/// are echoed back; `authorization` and `ngrok-skip-browser-warning` are among the allowed
/// request headers.
struct AllowedOriginsCORSMiddleware<Context: RequestContext>: RouterMiddleware {
    let allowedOrigins: Set<String>
    static var allowedHeaders: String {
        "accept, accept-encoding, authorization, content-type, dnt, origin, user-agent, x-csrftoken, x-requested-with, ngrok-skip-browser-warning"
    }
    static var allowedMethods: String { "DELETE, GET, OPTIONS, PATCH, POST, PUT" }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let origin = request.headers[.origin], allowedOrigins.contains(origin) else {
            return try await next(request, context)
        }
        if request.method == .options, request.headers[.accessControlRequestMethod] != nil {
            var response = Response(status: .ok, headers: [.contentLength: "0"])
            response.headers[.accessControlAllowHeaders] = Self.allowedHeaders
            response.headers[.accessControlAllowMethods] = Self.allowedMethods
            response.headers[.accessControlMaxAge] = "86400"
            decorate(&response, origin: origin)
            return response
        }
        var response = try await next(request, context)
        decorate(&response, origin: origin)
        return response
    }

    private func decorate(_ response: inout Response, origin: String) {
        response.headers[.accessControlAllowOrigin] = origin
        response.headers[.vary] = "origin"
    }
}
