import Foundation
import HTTPTypes
import Hummingbird
import Logging
import SwiftChatCore

extension APIError: HTTPResponseError {
    public var status: HTTPResponse.Status {
        switch self {
        case .fields, .nonField, .badRequest: .badRequest
        case .notAuthenticated, .tokenNotValid, .authenticationFailed, .noActiveAccount: .unauthorized
        case .permissionDenied: .forbidden
        case .notFound: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .payloadTooLarge: .contentTooLarge
        case .unsupportedMediaType, .unsupportedFile: .unsupportedMediaType
        case .resyncRequired: .gone
        case .throttled: .tooManyRequests
        case .unavailable: .serviceUnavailable
        }
    }

    var body: JSONValue {
        switch self {
        case .fields(let fields):
            return .object(fields.sorted { $0.key < $1.key }.map { ($0.key, .array($0.value.map(JSONValue.string))) })
        case .nonField(let messages):
            return .object([("non_field_errors", .array(messages.map(JSONValue.string)))])
        case .badRequest(let detail), .payloadTooLarge(let detail), .unavailable(let detail):
            return .detail(detail)
        case .notAuthenticated:
            return .detail("Authentication credentials were not provided.")
        case .tokenNotValid(let detail, let withMessages):
            var pairs: [(String, JSONValue)] = [("detail", .string(detail)), ("code", .string("token_not_valid"))]
            if withMessages {
                pairs.append(("messages", .array([.object([
                    ("token_class", .string("AccessToken")), ("token_type", .string("access")),
                    ("message", .string("Token is invalid or expired")),
                ])])))
            }
            return .object(pairs)
        case .authenticationFailed(let detail, let code):
            return .object([("detail", .string(detail)), ("code", .string(code))])
        case .noActiveAccount:
            return .detail("No active account found with the given credentials")
        case .permissionDenied:
            return .detail("You do not have permission to perform this action.")
        case .notFound:
            return .detail("Not found.")
        case .methodNotAllowed(let method):
            return .detail("Method \"\(method)\" not allowed.")
        case .unsupportedMediaType(let type):
            return .detail("Unsupported media type \"\(type)\" in request.")
        case .unsupportedFile(let detail):
            return .object([("detail", .string(detail)), ("code", .string("unsupported_file"))])
        case .resyncRequired(let oldest):
            return .object([
                ("detail", .string("Events after this position were pruned: reload, then resume from a fresh position.")),
                ("code", .string("resync_required")), ("oldest_seq", .int(oldest)),
            ])
        case .throttled(let seconds):
            return .detail("Request was throttled. Expected available in \(seconds) second\(seconds == 1 ? "" : "s").")
        }
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = Response.json(body, status: status)
        switch self {
        case .notAuthenticated, .tokenNotValid, .authenticationFailed, .noActiveAccount:
            response.headers[.wwwAuthenticate] = "JWT realm=\"api\""
        case .throttled(let seconds):
            response.headers[.retryAfter] = String(seconds)
        default: break
        }
        return response
    }
}

extension JSONValue {
    static func detail(_ text: String) -> JSONValue { .object([("detail", .string(text))]) }
}

extension Response {
    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        jsonText(value.serialized, status: status)
    }

    /// A body that is already JSON text.
    static func jsonText(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        var buffer = ByteBuffer()
        buffer.writeString(text)
        return Response(
            status: status, headers: [.contentType: "application/json", .contentLength: String(buffer.readableBytes)],
            body: .init(byteBuffer: buffer))
    }
}

/// Turns every error into a JSON answer: the original's bodies for refusals, and a plain 500
/// without any detail of the failure for everything else (logged here instead).
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return try error.response(from: request, context: context)
        } catch StoreError.unavailable {
            context.logger.error("request failed: the database did not answer in time", metadata: ["path": "\(request.uri.path)"])
            return try APIError.unavailable("The database is unavailable. Try again later.").response(from: request, context: context)
        } catch let error as HTTPError {
            switch error.status {
            case .notFound: return Response.json(APIError.notFound.body, status: .notFound)
            case .contentTooLarge: return try APIError.payloadTooLarge("Request body is too large.").response(from: request, context: context)
            default:
                return Response.json(.detail(error.body ?? error.status.reasonPhrase), status: error.status)
            }
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(String(reflecting: error))", "path": "\(request.uri.path)"])
            return Response.json(.detail("A server error occurred."), status: .internalServerError)
        }
    }
}
