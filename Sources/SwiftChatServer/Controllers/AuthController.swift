import Hummingbird
import SwiftChatCore

/// `/api/otp/...` (OTP login and registration codes) and djoser's JWT routes `/api/auth/jwt/...`.
struct AuthController {
    let api: APIContext

    func register(on routes: APIRoutes<AppRequestContext>) {
        routes.on(.post, "/api/otp/gen/phone_number/", doc: Docs.requestCode, use: requestCode)
        routes.on(.post, "/api/otp/auth/", doc: Docs.logInWithCode, use: logInWithCode)
        routes.on(.post, "/api/auth/jwt/create/", doc: Docs.createTokens, use: createTokens)
        routes.on(.post, "/api/auth/jwt/refresh/", doc: Docs.refreshToken, use: refreshToken)
        routes.on(.post, "/api/auth/jwt/verify/", doc: Docs.verifyToken, use: verifyToken)
    }

    @Sendable func requestCode(_ request: Request, context: AppRequestContext) async throws -> Response {
        try api.auth.throttleClient(api.clientAddress(request, context))
        var form = try await api.form(request)
        let (phone, purpose) = try form.validated(form.phone("phone_number"), form.choice("otp_for", as: OTPPurpose.self))
        let code = try await api.auth.requestCode(for: phone, purpose: purpose)
        var body: [(String, JSONValue)] = []
        if let code { body.append(("raw_otp", .string(code))) }
        body.append(("status", .string("Ok")))
        return .json(.object(body), status: .created)
    }

    @Sendable func logInWithCode(_ request: Request, context: AppRequestContext) async throws -> Response {
        let client = api.clientAddress(request, context)
        try api.auth.throttleCodeGuesses(client)
        var form = try await api.form(request)
        let (phone, code) = try form.validated(form.phone("phone_number"), form.integer("otp"))
        let pair = try await api.auth.logIn(phone: phone, code: Int(code), client: client)
        return .json(.object([("access_token", .string(pair.access)), ("refresh_token", .string(pair.refresh))]))
    }

    @Sendable func createTokens(_ request: Request, context: AppRequestContext) async throws -> Response {
        try api.auth.throttlePasswordClient(api.clientAddress(request, context))
        var form = try await api.form(request)
        let (phone, password) = try form.validated(form.requiredString("phone_number"), form.requiredString("password"))
        let pair = try await api.auth.logIn(phoneNumber: phone, password: password)
        return .json(.object([("refresh", .string(pair.refresh)), ("access", .string(pair.access))]))
    }

    @Sendable func refreshToken(_ request: Request, context: AppRequestContext) async throws -> Response {
        var form = try await api.form(request)
        let refresh = try form.validated(form.requiredString("refresh"))
        return .json(.object([("access", .string(try await api.auth.refreshAccess(refresh)))]))
    }

    @Sendable func verifyToken(_ request: Request, context: AppRequestContext) async throws -> Response {
        var form = try await api.form(request)
        let token = try form.validated(form.requiredString("token"))
        try await api.auth.verify(token)
        return .json(.object([]))
    }
}
