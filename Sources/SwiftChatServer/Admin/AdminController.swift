import Foundation
import HTTPTypes
import Hummingbird
import SwiftChatCore

/// The admin site at `/admin/`, server-rendered HTML in the manner of Django's admin: sign-in
/// for active staff with a password, a dashboard, lists with search, filters and paging, detail
/// and edit pages, deletes behind a confirmation that counts what goes with them, bulk actions
/// and the audit log. Sessions live in the database (any web process serves them), in an
/// `HttpOnly`, `SameSite=Strict` cookie; every POST needs the session's CSRF token and, when the
/// browser sends an Origin, one of ours. API tokens mean nothing here. Refusals are JSON, as
/// everywhere else; not being signed in sends a page to the sign-in form.
struct AdminController {
    let admin: AdminService
    let store: any ChatStore
    let presence: PresenceService
    let broker: any Broker
    let api: APIContext
    let cookie: AdminCookie
    /// Origins besides the request's own host whose forms are accepted (`CSRF_TRUSTED_ORIGINS`).
    let trustedOrigins: [String]
    let mediaOrigins: [String]
    static let pageSize = 50

    func register(on router: Router<AppRequestContext>) {
        router.get("/admin/") { request, _ in try await page(request) { try await dashboard($0) } }
        router.get("/admin/login/") { request, _ in signInPage(request) }
        router.post("/admin/login/") { request, context in try await signIn(request, context) }
        router.post("/admin/logout/") { request, _ in try await signOut(request) }
        router.get("/admin/audit/") { request, _ in try await page(request) { try await auditLog(request, $0) } }
        registerUserPages(on: router)
        registerContentPages(on: router)
    }

    // MARK: Sessions and checks

    private func signedIn(_ request: Request) async throws -> (AdminSession, User)? {
        guard let token = AdminCookie.value(AdminCookie.session, in: request.headers) else { return nil }
        return try await admin.session(token: token)
    }

    /// A GET page for signed-in staff; anyone else is sent to sign in first.
    func page(_ request: Request, _ render: (AdminViewer) async throws -> Response) async throws -> Response {
        guard let (session, user) = try await signedIn(request) else {
            return Self.redirect("/admin/login/?next=" + AdminLayout.percentEncoded(request.uri.path))
        }
        return try await render(AdminViewer(user: user, csrfToken: session.csrfToken))
    }

    /// A POST from one of our forms by signed-in staff: an Origin of ours, the session's CSRF
    /// token, then `change` with the form read.
    func change(_ request: Request, _ change: (AdminViewer, AdminForm) async throws -> Response) async throws -> Response {
        if let refusal = originRefusal(request) { return refusal }
        guard let (session, user) = try await signedIn(request) else {
            return .json(.detail("Sign in to the admin site first."), status: .forbidden)
        }
        let form = try await AdminForm.read(request)
        guard let sent = form["csrf_token"], Self.sameBytes(sent, session.csrfToken) else {
            return .json(.detail("CSRF verification failed: the form's token is missing or wrong. Reload the page and try again."), status: .forbidden)
        }
        return try await change(AdminViewer(user: user, csrfToken: session.csrfToken), form)
    }

    /// A browser says where a form came from; one posted by another site is refused. The
    /// request's own host counts as ours, and so does every origin in `CSRF_TRUSTED_ORIGINS`.
    private func originRefusal(_ request: Request) -> Response? {
        guard let origin = request.headers[.origin] else { return nil }
        let host = request.head.authority ?? ""
        let ownOrigins = ["http://\(host)", "https://\(host)"]
        guard ownOrigins.contains(origin) || trustedOrigins.contains(origin) else {
            return .json(.detail("CSRF verification failed: Origin \(origin) is not trusted."), status: .forbidden)
        }
        return nil
    }

    static func sameBytes(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    // MARK: Answers

    func html(_ text: String, status: HTTPResponse.Status = .ok, cookies: [String] = []) -> Response {
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"]
        PageSecurityHeaders.add(to: &headers, mediaOrigins: mediaOrigins)
        // With no-referrer a browser's form posts say "Origin: null", which the Origin check must refuse.
        headers[PageSecurityHeaders.referrerPolicy] = "same-origin"
        for value in cookies { headers.append(HTTPField(name: .setCookie, value: value)) }
        var buffer = ByteBuffer()
        buffer.writeString(text)
        return Response(status: status, headers: headers, body: .init(byteBuffer: buffer))
    }

    /// 303: the browser follows with a GET (after a POST, a reload does not post again).
    static func redirect(_ location: String, cookies: [String] = []) -> Response {
        var headers: HTTPFields = [.location: location, .cacheControl: "no-store"]
        for value in cookies { headers.append(HTTPField(name: .setCookie, value: value)) }
        return Response(status: .seeOther, headers: headers)
    }

    /// Where to go after signing in: only a path of this site's admin, never elsewhere.
    static func safeNext(_ next: String?) -> String {
        guard let next, next.hasPrefix("/admin/"), next.utf8.count <= 512, !next.contains("//"), !next.contains("\\"),
              !next.contains("%"), next.unicodeScalars.allSatisfy({ $0.isASCII && $0.value > 0x20 })
        else { return "/admin/" }
        // No dot segments: "/admin/../api/" would leave the admin site once the browser resolves it.
        let path = next.split(separator: "?", maxSplits: 1).first ?? ""
        guard !path.split(separator: "/").contains(where: { $0 == "." || $0 == ".." }) else { return "/admin/" }
        return next
    }

    /// A query parameter as a browser's GET form sends it (`+` for a space), nil when absent or unreadable.
    func query(_ request: Request, _ name: String) -> String? {
        guard let raw = request.uri.query, raw.utf8.count <= AdminForm.maxSize else { return nil }
        return (try? AdminForm(encoded: raw))?[name]
    }

    /// An id from the query or the path: digits only, within Int64.
    static func id(_ text: String?) -> Int64? {
        guard let text, !text.isEmpty, text.utf8.count <= 19, text.utf8.allSatisfy({ (48...57).contains($0) }) else { return nil }
        return Int64(text)
    }

    // MARK: Outcomes of a change

    /// Runs `change`, then goes to `done`; a refusal is shown on a page saying why.
    func perform(_ viewer: AdminViewer, done: String, _ change: () async throws -> Void) async throws -> Response {
        do {
            try await change()
        } catch let error as APIError {
            return html(AdminLayout.page("Not done", viewer: viewer, error: Self.explain(error), body: AdminLayout.link("/admin/", "Back to the dashboard")),
                        status: Self.status(of: error))
        }
        return Self.redirect(done)
    }

    func notFoundPage(_ viewer: AdminViewer) -> Response {
        html(AdminLayout.page("Not found", viewer: viewer, error: "There is no such record; it may have been deleted.", body: AdminLayout.link("/admin/", "Back to the dashboard")),
             status: .notFound)
    }

    func forbiddenPage(_ viewer: AdminViewer, _ reason: String) -> Response {
        html(AdminLayout.page("Not allowed", viewer: viewer, error: reason, body: AdminLayout.link("/admin/", "Back to the dashboard")), status: .forbidden)
    }

    static func status(of error: APIError) -> HTTPResponse.Status {
        switch error {
        case .notFound: .notFound
        case .permissionDenied: .forbidden
        default: .badRequest
        }
    }

    /// What a refused change means, in words for the page.
    static func explain(_ error: APIError) -> String {
        switch error {
        case .fields(let fields):
            return fields.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value.joined(separator: " "))" }.joined(separator: "; ")
        case .nonField(let messages): return messages.joined(separator: " ")
        case .badRequest(let message): return message
        case .permissionDenied: return "Only a superuser may do that (staff and superuser accounts are theirs to change)."
        case .notFound: return "There is no such record; it may have been deleted."
        default: return "The change was refused."
        }
    }

    /// The notice a redirect asks for by key: a fixed text, so that no link can put words on our page.
    func noticeText(_ request: Request) -> String? {
        guard let key = query(request, "notice") else { return nil }
        let counted: [(String, String)] = [
            ("deactivated-", "user(s) deactivated."), ("deleted-", "user(s) deleted."), ("messages-deleted-", "message(s) deleted."),
        ]
        for (prefix, text) in counted where key.hasPrefix(prefix) {
            // No more than one form could have changed.
            if let count = Int(key.dropFirst(prefix.count)), (0...AdminForm.maxFields).contains(count) { return "\(count) \(text)" }
        }
        let fixed = [
            "saved": "Saved.", "none-selected": "Select something first.", "password": "Password changed; that account's sessions ended.",
            "interest-deleted": "Interest deleted.", "group-saved": "Group saved.", "group-deleted": "Group deleted.",
        ]
        return fixed[key]
    }

    /// An id from the path, or a 404.
    static func required(_ text: String?) throws -> Int64 {
        guard let id = id(text) else { throw APIError.notFound }
        return id
    }

    // MARK: Sign-in

    private func signInPage(_ request: Request, error: String? = nil, status: HTTPResponse.Status = .ok) -> Response {
        let token = AdminService.randomToken()
        let next = Self.safeNext(query(request, "next"))
        let body = """
            <form class="panel signin" method="post" action="/admin/login/">
            <input type="hidden" name="csrf_token" value="\(token)"><input type="hidden" name="next" value="\(HTMLText.escape(next))">
            <label for="phone">Phone number</label><input type="text" id="phone" name="phone_number" autocomplete="username" required>
            <label for="password">Password</label><input type="password" id="password" name="password" autocomplete="current-password" required>
            <button type="submit">Sign in</button></form>
            """
        return html(AdminLayout.page("Sign in", viewer: nil, error: error, body: body), status: status,
                    cookies: [cookie.set(AdminCookie.signInCSRF, token, maxAge: 3600)])
    }

    private func signIn(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        if let refusal = originRefusal(request) { return refusal }
        let form = try await AdminForm.read(request)
        // The sign-in form's token is the one in its own cookie: another site can set neither.
        guard let expected = AdminCookie.value(AdminCookie.signInCSRF, in: request.headers), let sent = form["csrf_token"],
              Self.sameBytes(sent, expected)
        else {
            return .json(.detail("CSRF verification failed: the sign-in form's token is missing or wrong. Reload the page and try again."), status: .forbidden)
        }
        let phone = form["phone_number"] ?? "", password = form["password"] ?? ""
        guard !phone.isEmpty, !password.isEmpty, phone.count <= 32, password.utf8.count <= 1024 else {
            return signInPage(request, error: "Enter a phone number and a password.", status: .badRequest)
        }
        do {
            try api.auth.throttlePasswordClient(api.clientAddress(request, context))
            let (token, session) = try await admin.signIn(phoneNumber: phone, password: password, from: api.clientAddress(request, context))
            let lifetime = Int(session.expiresAt.timeIntervalSince(session.createdAt))
            return Self.redirect(Self.safeNext(form["next"]), cookies: [cookie.set(AdminCookie.session, token, maxAge: lifetime), cookie.clear(AdminCookie.signInCSRF)])
        } catch APIError.noActiveAccount {
            return signInPage(request, error: "Enter the phone number and password of an active staff account.", status: .unauthorized)
        } catch APIError.throttled(let seconds) {
            var answer = signInPage(request, error: "Too many failed sign-ins. Try again in \(seconds) seconds.", status: .tooManyRequests)
            answer.headers[.retryAfter] = String(seconds)
            return answer
        }
    }

    /// Signing out needs no live session (an expired one's cookie is cleared all the same), only
    /// a form of ours; with a live session, that session's token too.
    private func signOut(_ request: Request) async throws -> Response {
        if let refusal = originRefusal(request) { return refusal }
        let form = try await AdminForm.read(request)
        if let token = AdminCookie.value(AdminCookie.session, in: request.headers), let (session, _) = try await admin.session(token: token) {
            guard let sent = form["csrf_token"], Self.sameBytes(sent, session.csrfToken) else {
                return .json(.detail("CSRF verification failed: the form's token is missing or wrong. Reload the page and try again."), status: .forbidden)
            }
            try await admin.signOut(token: token)
        }
        return Self.redirect("/admin/login/", cookies: [cookie.clear(AdminCookie.session)])
    }

    // MARK: Dashboard and audit log

    private func dashboard(_ viewer: AdminViewer) async throws -> Response {
        let counts = try await store.tableCounts()
        let online = (try? await presence.onlineCount()).map(String.init) ?? "unknown"
        let storage = try await store.attachmentBytesStored()
        let cards: [(String, String)] = [
            ("Users", "\(counts.users)"), ("Online now", online), ("Interests", "\(counts.interests)"),
            ("Conversations", "\(counts.others["conversations"] ?? 0)"), ("Messages", "\(counts.messages)"),
            ("Messages today", "\(try await store.messageCount(since: Calendar(identifier: .gregorian).startOfDay(for: Date())))"),
            ("Attachments", "\(counts.others["attachments"] ?? 0)"), ("Storage used", AdminLayout.bytes(storage)),
            ("Event log entries", "\(counts.others["events"] ?? 0)"), ("Broker", broker.health.rawValue),
        ]
        let body = #"<div class="cards">"#
            + cards.map { #"<div class="card"><div class="value">\#(HTMLText.escape($0.1))</div><div class="label">\#(HTMLText.escape($0.0))</div></div>"# }.joined()
            + "</div>"
        return html(AdminLayout.page("Dashboard", viewer: viewer, body: body))
    }

    private func auditLog(_ request: Request, _ viewer: AdminViewer) async throws -> Response {
        let before = Self.id(query(request, "before"))
        let entries = try await admin.auditEntries(before: before, limit: Self.pageSize + 1)
        let shown = entries.prefix(Self.pageSize)
        let rows = shown.map { entry in
            [AdminLayout.when(entry.at), AdminLayout.link("/admin/users/\(entry.actorID)/", entry.actorPhone), HTMLText.escape(entry.action),
             HTMLText.escape(entry.target), "<pre>\(HTMLText.escape(entry.before ?? ""))</pre>", "<pre>\(HTMLText.escape(entry.after ?? ""))</pre>"]
        }
        let body = AdminLayout.table(["When", "Who", "Action", "Target", "Before", "After"], rows, empty: "No admin changes yet.")
            + AdminLayout.nextPage("/admin/audit/", query: [("before", "\(shown.last?.id ?? 0)")], more: entries.count > Self.pageSize)
        return html(AdminLayout.page("Audit log", viewer: viewer, body: body))
    }
}
