import Foundation
import Hummingbird
import SwiftChatCore

/// The admin site's user pages: the list with search, filters, paging and bulk actions; a
/// user's page with its edit form; the delete confirmation; and the superusers' staff page.
extension AdminController {
    func registerUserPages(on router: Router<AppRequestContext>) {
        router.get("/admin/users/") { request, _ in try await page(request) { try await userList(request, $0) } }
        router.post("/admin/users/bulk/") { request, _ in try await change(request) { try await bulkUsers($0, $1) } }
        router.get("/admin/users/:id/") { request, context in
            try await page(request) { try await userPage(Self.id(context.parameters.get("id")), $0, notice: noticeText(request)) }
        }
        router.post("/admin/users/:id/") { request, context in
            try await change(request) { try await editUser(Self.id(context.parameters.get("id")), $0, $1) }
        }
        router.get("/admin/users/:id/delete/") { request, context in
            try await page(request) { try await confirmUserDelete([Self.id(context.parameters.get("id"))].compactMap { $0 }, $0) }
        }
        router.post("/admin/users/:id/delete/") { request, context in
            try await change(request) { viewer, _ in try await deleteUsers([Self.id(context.parameters.get("id"))].compactMap { $0 }, viewer) }
        }
        router.get("/admin/staff/") { request, _ in try await page(request) { try await staffPage($0, notice: noticeText(request)) } }
        router.post("/admin/staff/:id/password/") { request, context in
            try await change(request) { try await setPassword(Self.id(context.parameters.get("id")), $0, $1) }
        }
    }

    // MARK: List and bulk actions

    private func userList(_ request: Request, _ viewer: AdminViewer) async throws -> Response {
        let search = query(request, "q") ?? ""
        var filter = UserFilter.staff
        if let numbers = UserFilter.phoneNumbers(in: search, callerNumber: viewer.user.phoneNumber) {
            filter.phoneNumbers = numbers
        } else {
            filter.prefixes = try api.searchTerms(search).map { $0.lowercased() }
        }
        filter.isActive = Self.flag(query(request, "active"))
        filter.isStaff = Self.flag(query(request, "staff"))
        let after = Self.id(query(request, "after")).map { UserID(rawValue: $0) }
        let users = try await store.users(matching: filter, for: viewer.user.id, after: after, limit: Self.pageSize + 1)
        let shown = users.prefix(Self.pageSize)
        let rows = shown.map { user in
            [#"<input type="checkbox" name="id" value="\#(user.id)" aria-label="Select \#(HTMLText.escape(user.phoneNumber))">"#,
             AdminLayout.userCell(user, id: user.id), HTMLText.escape(user.email ?? ""), AdminLayout.yesNo(user.isActive),
             AdminLayout.yesNo(user.isStaff), AdminLayout.when(user.dateJoined)]
        }
        let filters = """
            <form class="filters" method="get" action="/admin/users/">
            <div><label for="q">Search (phone, name or email)</label><input type="search" id="q" name="q" value="\(HTMLText.escape(search))"></div>
            \(Self.flagSelect("active", "Active", query(request, "active")))\(Self.flagSelect("staff", "Staff", query(request, "staff")))
            <button type="submit" class="secondary">Filter</button></form>
            """
        let bulk = AdminLayout.bulkForm(
            "/admin/users/bulk/", viewer: viewer,
            actions: #"<label for="bulk-action">With the selected users:</label><select id="bulk-action" name="action">"#
                + #"<option value="deactivate">Deactivate</option><option value="delete">Delete…</option></select><button type="submit">Go</button>"#,
            table: AdminLayout.table(["", "Phone and name", "Email", "Active", "Staff", "Joined"], rows, empty: "No user matches."),
            hasRows: !rows.isEmpty)
        let keep = [("q", search), ("active", query(request, "active") ?? ""), ("staff", query(request, "staff") ?? "")].filter { !$0.1.isEmpty }
        let next = AdminLayout.nextPage("/admin/users/", query: keep + [("after", "\(shown.last?.id ?? 0)")], more: users.count > Self.pageSize)
        return html(AdminLayout.page("Users", viewer: viewer, notice: noticeText(request), body: filters + bulk + next))
    }

    private func bulkUsers(_ viewer: AdminViewer, _ form: AdminForm) async throws -> Response {
        let ids = form.all("id").compactMap(Self.id)
        guard !ids.isEmpty else { return Self.redirect("/admin/users/?notice=none-selected") }
        switch form["action"] {
        case "deactivate":
            let changed = try await admin.deactivate(ids.map { UserID(rawValue: $0) }, by: viewer.user)
            return Self.redirect("/admin/users/?notice=deactivated-\(changed)")
        case "delete":
            return form["confirm"] == "yes" ? try await deleteUsers(ids, viewer) : try await confirmUserDelete(ids, viewer)
        default:
            return .json(.detail("Choose an action: deactivate or delete."), status: .badRequest)
        }
    }

    // MARK: One user

    private func userPage(_ id: Int64?, _ viewer: AdminViewer, notice: String? = nil, refusal: APIError? = nil) async throws -> Response {
        guard let id, let footprint = try? await admin.footprint(of: UserID(rawValue: id)) else { return notFoundPage(viewer) }
        let user = footprint.user
        let details = AdminLayout.table(["Field", "Value"], [
            ["Id", "\(user.id)"], ["Phone number", HTMLText.escape(user.phoneNumber)], ["Joined", AdminLayout.when(user.dateJoined)],
            ["Superuser", AdminLayout.yesNo(user.isSuperuser)], ["Interests", "\(footprint.interests)"], ["Messages sent", "\(footprint.messages)"],
            ["Groups", "\(footprint.groups)"],
        ])
        let form = """
            <form class="panel" method="post" action="/admin/users/\(user.id)/">\(AdminLayout.csrfField(viewer))
            <label for="first_name">First name</label><input type="text" id="first_name" name="first_name" maxlength="150" value="\(HTMLText.escape(user.firstName))">
            <label for="last_name">Last name</label><input type="text" id="last_name" name="last_name" maxlength="150" value="\(HTMLText.escape(user.lastName))">
            <label for="email">Email</label><input type="email" id="email" name="email" maxlength="254" value="\(HTMLText.escape(user.email ?? ""))">
            <label class="check"><input type="checkbox" name="is_active" value="on"\(user.isActive ? " checked" : "")> Active</label>
            <label class="check"><input type="checkbox" name="is_staff" value="on"\(user.isStaff ? " checked" : "")> Staff</label>
            <div class="actions"><button type="submit">Save</button>\(AdminLayout.link("/admin/users/\(user.id)/delete/", "Delete…"))
            \(AdminLayout.link("/admin/messages/?user=\(user.id)", "Their messages"))</div></form>
            """
        let title = "User \(user.phoneNumber)"
        return html(AdminLayout.page(title, viewer: viewer, notice: notice, error: refusal.map(Self.explain), body: details + form),
                    status: refusal.map(Self.status(of:)) ?? .ok)
    }

    private func editUser(_ id: Int64?, _ viewer: AdminViewer, _ form: AdminForm) async throws -> Response {
        guard let id else { return notFoundPage(viewer) }
        var fields = FormFields(Dictionary(form.pairs.map { ($0.0, JSONValue.string($0.1)) }, uniquingKeysWith: { first, _ in first }))
        let changes = ProfileChanges(
            email: fields.email("email").map { $0.flatMap { $0.isEmpty ? nil : $0 } },
            firstName: fields.string("first_name", required: false, allowBlank: true, maxLength: 150) ?? nil,
            lastName: fields.string("last_name", required: false, allowBlank: true, maxLength: 150) ?? nil,
            isActive: form.isChecked("is_active"), isStaff: form.isChecked("is_staff"))
        do {
            try fields.validate()
            _ = try await admin.update(UserID(rawValue: id), changes, by: viewer.user)
        } catch let error as APIError {
            return try await userPage(id, viewer, refusal: error)
        }
        return Self.redirect("/admin/users/\(id)/?notice=saved")
    }

    // MARK: Deleting

    private func confirmUserDelete(_ ids: [Int64], _ viewer: AdminViewer) async throws -> Response {
        var footprints: [UserFootprint] = []
        for id in Set(ids).sorted() { if let found = try? await admin.footprint(of: UserID(rawValue: id)) { footprints.append(found) } }
        guard !footprints.isEmpty else { return notFoundPage(viewer) }
        let single = footprints.count == 1
        let what = single
            ? "Delete the user \(footprints[0].user.phoneNumber)? This cannot be undone."
            : "Delete these \(footprints.count) users: \(footprints.map(\.user.phoneNumber).joined(separator: ", "))? This cannot be undone."
        let total = footprints.reduce(into: (0, 0, 0)) { $0 = ($0.0 + $1.interests, $0.1 + $1.messages, $0.2 + $1.groups) }
        let cascades = [
            "\(total.0) interest(s), each with its direct conversation", "\(total.1) message(s) they sent, with their attachments",
            "their place in \(total.2) group(s) (ownership passes on)",
        ]
        let action = single ? "/admin/users/\(footprints[0].user.id)/delete/" : "/admin/users/bulk/"
        let hidden = single ? [] : [("action", "delete")] + footprints.map { ("id", "\($0.user.id)") }
        let back = single ? "/admin/users/\(footprints[0].user.id)/" : "/admin/users/"
        return html(AdminLayout.confirmation("Delete user", viewer: viewer, what: what, cascades: cascades, action: action, hidden: hidden, back: back))
    }

    private func deleteUsers(_ ids: [Int64], _ viewer: AdminViewer) async throws -> Response {
        var deleted = 0, refused: [(Int64, APIError)] = []
        for id in Set(ids).sorted() {
            do {
                try await admin.delete(UserID(rawValue: id), by: viewer.user)
                deleted += 1
            } catch let error as APIError {
                refused.append((id, error))
            }
        }
        if let (_, first) = refused.first {
            let reasons = refused.map { "User \($0.0): \(Self.explain($0.1))" }.joined(separator: " ")
            let body = #"<p class="muted">\#(deleted) deleted.</p>"# + AdminLayout.link("/admin/users/", "Back to the users")
            return html(AdminLayout.page("Delete user", viewer: viewer, error: reasons, body: body), status: Self.status(of: first))
        }
        return Self.redirect("/admin/users/?notice=deleted-\(deleted)")
    }

    // MARK: Staff and passwords

    private func staffPage(_ viewer: AdminViewer, notice: String?) async throws -> Response {
        guard viewer.user.isSuperuser else { return forbiddenPage(viewer, "Only a superuser manages staff accounts.") }
        var filter = UserFilter.staff
        filter.isStaff = true
        let staff = try await store.users(matching: filter, for: viewer.user.id, after: nil, limit: Self.maxStaffShown + 1)
        let rows = staff.map { user in
            [AdminLayout.userCell(user, id: user.id), AdminLayout.yesNo(user.isActive), AdminLayout.yesNo(user.isSuperuser),
             """
             <form method="post" action="/admin/staff/\(user.id)/password/">\(AdminLayout.csrfField(viewer))
             <input type="password" name="password" minlength="8" autocomplete="new-password" aria-label="New password for \(HTMLText.escape(user.phoneNumber))" required>
             <button type="submit" class="secondary">Set password</button></form>
             """]
        }
        let more = staff.count > Self.maxStaffShown
            ? #"<p class="muted">The first \#(Self.maxStaffShown) are shown; find the others on the users page (Staff: yes).</p>"# : ""
        let body = #"<p class="muted">Make someone staff from their user page; only superusers can.</p>"#
            + AdminLayout.table(["Staff account", "Active", "Superuser", "Password"], Array(rows.prefix(Self.maxStaffShown)), empty: "No staff accounts.") + more
        return html(AdminLayout.page("Staff accounts", viewer: viewer, notice: notice, body: body))
    }

    private func setPassword(_ id: Int64?, _ viewer: AdminViewer, _ form: AdminForm) async throws -> Response {
        guard let id else { return notFoundPage(viewer) }
        do {
            try await admin.setPassword(of: UserID(rawValue: id), to: form["password"] ?? "", by: viewer.user)
        } catch let error as APIError {
            return html(AdminLayout.page("Staff accounts", viewer: viewer, error: Self.explain(error), body: AdminLayout.link("/admin/staff/", "Back")),
                        status: Self.status(of: error))
        }
        // Their own sessions end with a new password, so whoever changed their own signs in again.
        return Self.redirect(id == viewer.user.id.rawValue ? "/admin/login/" : "/admin/staff/?notice=password")
    }

    // MARK: Small parts

    static let maxStaffShown = 500

    /// `yes` / `no` from a filter's select, anything else meaning "either".
    static func flag(_ text: String?) -> Bool? {
        switch text { case "yes": true; case "no": false; default: nil }
    }

    static func flagSelect(_ name: String, _ label: String, _ current: String?) -> String {
        let options = [("", "Either"), ("yes", "Yes"), ("no", "No")].map { value, text in
            #"<option value="\#(value)"\#(current == value ? " selected" : "")>\#(text)</option>"#
        }.joined()
        return #"<div><label for="\#(name)">\#(label)</label><select id="\#(name)" name="\#(name)">\#(options)</select></div>"#
    }
}
