import Hummingbird
import SwiftChatCore

/// djoser's user routes under `/api/core/`.
struct UserController {
    let api: APIContext

    /// djoser actions that are admin-only in the original's settings; they answer 403 to
    /// everyone else (401 without credentials).
    static let adminOnlyActions = [
        "activation", "resend_activation", "set_password", "reset_password", "reset_password_confirm",
        "set_phone_number", "reset_phone_number", "reset_phone_number_confirm",
    ]

    func register(on routes: APIRoutes<AppRequestContext>) {
        routes.on(.get, "/api/core/", doc: Docs.coreRoot, use: root)
        routes.on(.get, "/api/core/user/", doc: Docs.listUsers, use: list)
        routes.on(.post, "/api/core/user/", doc: Docs.register, use: create)
        routes.on(.get, "/api/core/user/me/", doc: Docs.me, use: me)
        routes.on(.put, "/api/core/user/me/", doc: Docs.updateMe, use: updateMe)
        routes.on(.patch, "/api/core/user/me/", doc: Docs.updateMe, use: updateMe)
        routes.on(.delete, "/api/core/user/me/", doc: Docs.deleteMe, use: deleteMe)
        routes.on(.get, "/api/core/user/{id}/", doc: Docs.retrieveUser, use: retrieve)
        routes.on(.put, "/api/core/user/{id}/", doc: Docs.updateUser, use: retrieve)  // nothing in djoser's `user` serializer is writable
        routes.on(.patch, "/api/core/user/{id}/", doc: Docs.updateUser, use: retrieve)
        routes.on(.delete, "/api/core/user/{id}/", doc: Docs.deleteUser, use: delete)
        for action in Self.adminOnlyActions {
            routes.on(.post, "/api/core/user/\(action)/", doc: Docs.adminOnlyAction(action), use: adminOnlyAction)
        }
    }

    @Sendable func root(_ request: Request, context: AppRequestContext) async throws -> Response {
        .json(.object([("user", .string(api.absoluteURL(request, path: "/api/core/user/")))]))
    }

    /// Without filters or paging, the original's list as it was; `?limit=` or `?cursor=` make
    /// it a page, `{"results", "next_cursor"}`.
    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let query = request.uri.queryParameters
        let filter = try userFilter({ query.get($0) }, for: caller)
        let paged = query.get("limit") != nil || query.get("cursor") != nil
        guard filter != nil || paged else {
            return .json(.array(try await api.users.list(for: caller).map(Representation.userListEntry)))
        }
        let limit = paged ? try V2Query.limit(query.get("limit"), default: 50, max: 200) : nil
        let after = try query.get("cursor").map { text in
            guard let id = Int64(text), id > 0 else { throw APIError.field("cursor", "Not a cursor this server handed out.") }
            return UserID(rawValue: id)
        }
        let entries = try await api.users.list(for: caller, matching: filter ?? api.users.filter(for: caller), after: after, limit: limit)
        let rows = JSONValue.array(entries.map(Representation.userListEntry))
        guard let limit else { return .json(rows) }
        let next = entries.count == limit ? entries.last.map { String($0.user.id.rawValue) } : nil
        return .json(.object([("results", rows), ("next_cursor", .string(next))]))
    }

    /// The list's filters, nil when none is given; a bad value is a 400 naming it.
    private func userFilter(_ value: (String) -> String?, for caller: User) throws -> UserFilter? {
        let names = ["search", "first_name", "email", "phone_number", "is_friend"]
        guard names.contains(where: { value($0) != nil }) else { return nil }
        var filter = api.users.filter(for: caller)
        if let search = value("search") {
            if let numbers = UserFilter.phoneNumbers(in: search, callerNumber: caller.phoneNumber) {
                filter.phoneNumbers = numbers
            } else {
                filter.prefixes = try api.searchTerms(search).map { $0.lowercased() }
            }
        }
        if let firstName = value("first_name") {
            guard firstName.count <= 150 else { throw APIError.field("first_name", "At most 150 characters.") }
            filter.firstName = firstName
        }
        if let email = value("email") {
            guard email.count <= 254 else { throw APIError.field("email", "At most 254 characters.") }
            filter.email = email
        }
        if let phone = value("phone_number") {
            guard let numbers = UserFilter.phoneNumbers(in: phone, callerNumber: caller.phoneNumber) else {
                throw APIError.field("phone_number", "A phone number: 6 to 17 digits, with or without the country code.")
            }
            filter.phoneNumbers = (filter.phoneNumbers ?? numbers).filter(numbers.contains)
        }
        if let friend = value("is_friend") {
            switch friend.lowercased() {
            case "true", "1": filter.isFriend = true
            case "false", "0": filter.isFriend = false
            default: throw APIError.field("is_friend", "true or false.")
            }
        }
        return filter
    }

    /// Registration with an `N` code. Field errors (the phone being taken among them) come
    /// first, then the code.
    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let client = api.clientAddress(request, context)
        try api.auth.throttlePasswordClient(client)
        try api.auth.throttleCodeGuesses(client)
        var form = try await api.form(request)
        let phone = form.phone("phone_number")
        let password = form.password("password")
        let code = form.string("otp", maxLength: api.auth.codes.length) ?? nil
        let email = form.email("email")
        let firstName = form.string("first_name", required: false, allowBlank: true, maxLength: 150) ?? nil
        let lastName = form.string("last_name", required: false, allowBlank: true, maxLength: 150) ?? nil
        if let phone, try await api.users.phoneIsTaken(phone) { form.fail("phone_number", ErrorText.phoneTaken) }
        let (validPhone, validPassword, validCode) = try form.validated(phone, password, code)
        let new = NewUser(phoneNumber: validPhone.e164, email: email ?? nil, firstName: firstName ?? "", lastName: lastName ?? "")
        let user = try await api.auth.register(new, password: validPassword, code: validCode, phone: validPhone, client: client)
        return .json(Representation.profile(user), status: .created)
    }

    @Sendable func me(_ request: Request, context: AppRequestContext) async throws -> Response {
        .json(Representation.profile(try await api.caller(of: request)))
    }

    /// PUT and PATCH alike: every field is optional; `phone_number` is read-only and ignored.
    @Sendable func updateMe(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        var form = try await api.form(request)
        let changes = ProfileChanges(
            email: form.email("email"),
            firstName: form.string("first_name", required: false, allowBlank: true, maxLength: 150) ?? nil,
            lastName: form.string("last_name", required: false, allowBlank: true, maxLength: 150) ?? nil)
        try form.validate()
        return .json(Representation.profile(try await api.users.updateProfile(of: caller, changes)))
    }

    @Sendable func deleteMe(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        try await api.users.delete(id: caller.id, by: caller)
        return Response(status: .noContent)
    }

    @Sendable func retrieve(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        let user = try await api.users.visibleUser(id: try userID(context), to: caller)
        return .json(Representation.userSummary(user))
    }

    @Sendable func delete(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        guard caller.isAdmin else { throw APIError.permissionDenied }
        try await api.users.delete(id: try userID(context), by: caller)
        return Response(status: .noContent)
    }

    /// Admins get a 404: these flows need e-mail delivery, which SwiftChat does not have.
    @Sendable func adminOnlyAction(_ request: Request, context: AppRequestContext) async throws -> Response {
        let caller = try await api.caller(of: request)
        guard caller.isAdmin else { throw APIError.permissionDenied }
        throw APIError.notFound
    }

    /// A non-numeric id is simply not found, as in Django's lookup.
    private func userID(_ context: AppRequestContext) throws -> UserID {
        guard let text = context.parameters.get("id"), let id = Int64(text), id > 0 else { throw APIError.notFound }
        return UserID(rawValue: id)
    }
}
