import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Testing
@testable import SwiftChatCore
@testable import SwiftChatServer

/// The admin site at `/admin/`: who gets in, what protects its forms, and what its changes do
/// to the rest of the server. Run on SQLite here and on PostgreSQL + Redis in the production pass.
@Suite struct AdminSiteTests {
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    // MARK: Signing in

    @Test func theSeededAdminSignsInWithASessionCookieAndSeesTheDashboard() async throws {
        try await withApp { client, _ in
            let browser = AdminBrowser(client)
            let before = try await browser.get("/admin/")
            #expect(before.status == .seeOther)
            #expect(before.location == "/admin/login/?next=%2Fadmin%2F")

            let form = try await browser.get("/admin/login/")
            #expect(form.status == .ok)
            #expect(form.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            #expect(form.headers[.xContentTypeOptions] == "nosniff")
            // Not no-referrer: with it a browser's form posts carry "Origin: null", which is refused.
            #expect(form.headers[PageSecurityHeaders.referrerPolicy] == "same-origin")
            let signedIn = try await browser.post("/admin/login/", [
                ("csrf_token", form.csrfToken ?? ""), ("phone_number", Demo.admin), ("password", Demo.adminPassword), ("next", "/admin/users/"),
            ])
            #expect(signedIn.status == .seeOther)
            #expect(signedIn.location == "/admin/users/")
            let sessionCookie = try #require(signedIn.headers[values: .setCookie].first { $0.hasPrefix(AdminCookie.session + "=") })
            for attribute in ["HttpOnly", "SameSite=Strict", "Path=/admin/", "Max-Age=28800"] {
                #expect(sessionCookie.contains(attribute), "\(attribute) in \(sessionCookie)")
            }
            #expect(!sessionCookie.contains("Secure"), "dev mode serves plain HTTP")
            #expect(browser.cookie(AdminCookie.signInCSRF) == nil, "the sign-in form's cookie is cleared")

            let dashboard = try await browser.get("/admin/")
            #expect(dashboard.status == .ok)
            for label in ["Users", "Online now", "Interests", "Conversations", "Messages today", "Attachments", "Storage used", "Event log entries", "Broker"] {
                #expect(dashboard.html.contains(#"<div class="label">\#(label)</div>"#), "\(label)")
            }
            #expect(dashboard.headers[.cacheControl] == "no-store")
        }
    }

    @Test func sessionCookiesAreSecureOutsideDevMode() {
        #expect(AdminCookie(secure: true).set(AdminCookie.session, "x", maxAge: 5).hasSuffix("; Secure"))
        #expect(!AdminCookie(secure: false).set(AdminCookie.session, "x", maxAge: 5).contains("Secure"))
    }

    @Test func nonStaffUsersWrongPasswordsAndAPITokensGetNothing() async throws {
        try await withApp { client, runtime in
            let admin = try await AdminBrowser.signedInAdmin(client)
            // The admin site gives no password to someone who is not staff...
            let john = try await client.session(Demo.john)
            let staffPage = try await admin.get("/admin/staff/")
            let refused = try await admin.submit("/admin/staff/\(john.id)/password/", from: staffPage, [("password", "johns-password-1")])
            #expect(refused.status == .badRequest && refused.html.contains("make them staff first"))
            // ...but with one of his own he is still not let in.
            try await runtime.store.setPasswordHash(of: UserID(rawValue: john.id), await runtime.auth.passwordHash("johns-password-1"))
            let jwt = try await client.call(.post, "/api/auth/jwt/create/", json: #"{"phone_number": "\#(Demo.john)", "password": "johns-password-1"}"#)
            #expect(jwt.status == .ok, "the password works for the API: \(jwt.text)")

            let outsider = AdminBrowser(client)
            let notStaff = try await outsider.signIn(Demo.john, "johns-password-1")
            #expect(notStaff.status == .unauthorized)
            #expect(notStaff.html.contains("active staff account"))
            #expect(outsider.cookie(AdminCookie.session) == nil)
            #expect(try await outsider.signIn(Demo.admin, "not-the-password").status == .unauthorized)

            // An API token, however good, is not an admin session.
            let token = try await client.session(Demo.admin).access
            for scheme in ["JWT", "Bearer"] {
                let page = try await client.call(.get, "/admin/users/", headers: [.authorization: "\(scheme) \(token)"])
                #expect(page.status == .seeOther)
                #expect(!page.text.contains(Demo.alice))
            }
            // A made-up session cookie neither.
            outsider.setCookie(AdminCookie.session, String(repeating: "a", count: 64))
            #expect(try await outsider.get("/admin/users/").status == .seeOther)
            // A cookie of the name that cannot be ours, sent first (planted by a neighbour on
            // this host), does not hide the real one after it.
            let real = try #require(admin.cookie(AdminCookie.session))
            let page = try await client.execute(uri: "/admin/", method: .get, headers: [.cookie: "\(AdminCookie.session)=zzz; \(AdminCookie.session)=\(real)"]) { $0.status }
            #expect(page == .ok)
        }
    }

    @Test func failedSignInsAreThrottledPerPhoneNumber() async throws {
        try await withApp { client, _ in
            let browser = AdminBrowser(client)
            var statuses: [HTTPResponse.Status] = []
            for attempt in 1...8 { statuses.append(try await browser.signIn(Demo.admin, "wrong-\(attempt)").status) }
            #expect(statuses.first == .unauthorized)
            #expect(statuses.contains(.tooManyRequests), "\(statuses)")
            // Once throttled, even the right password waits, and the page says for how long.
            let right = try await browser.signIn(Demo.admin, Demo.adminPassword)
            #expect(right.status == .tooManyRequests)
            #expect(Int(right.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(browser.cookie(AdminCookie.session) == nil)
        }
    }

    @Test func sessionsExpireAndSignOutEndsThem() async throws {
        let clock = TestClock()
        try await withApp(environment: ["SWIFTCHAT_ADMIN_SESSION_LIFETIME": "1h"], clock: clock) { client, _ in
            let browser = try await AdminBrowser.signedInAdmin(client)
            #expect(try await browser.get("/admin/").status == .ok)
            clock.advance(by: 3_601)
            #expect(try await browser.get("/admin/").status == .seeOther, "an hour later the session is over")
            // Signing out of an expired session still clears its cookie.
            let expiredOut = try await browser.post("/admin/logout/", [("csrf_token", "")])
            #expect(expiredOut.status == .seeOther)
            #expect(browser.cookie(AdminCookie.session) == nil)

            #expect(try await browser.signIn(Demo.admin, Demo.adminPassword).status == .seeOther)
            let token = try #require(browser.cookie(AdminCookie.session))
            let dashboard = try await browser.get("/admin/")
            let out = try await browser.submit("/admin/logout/", from: dashboard, [])
            #expect(out.status == .seeOther)
            #expect(browser.cookie(AdminCookie.session) == nil)
            // The old cookie, replayed, is worth nothing: the session is gone from the store.
            browser.setCookie(AdminCookie.session, token)
            #expect(try await browser.get("/admin/").status == .seeOther)
        }
    }

    // MARK: Forms

    @Test func aFormWithoutTheSessionsTokenOrFromAnotherOriginChangesNothing() async throws {
        try await withApp { client, runtime in
            let browser = try await AdminBrowser.signedInAdmin(client)
            let alice = try #require(try await runtime.store.user(phoneNumber: Demo.alice))
            let change = [("first_name", "Mallory"), ("last_name", ""), ("email", ""), ("is_active", "on")]

            let noToken = try await browser.post("/admin/users/\(alice.id)/", change)
            #expect(noToken.status == .forbidden)
            #expect(noToken.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(noToken.html.contains("CSRF verification failed"))

            let wrongToken = try await browser.post("/admin/users/\(alice.id)/", [("csrf_token", String(repeating: "0", count: 64))] + change)
            #expect(wrongToken.status == .forbidden)

            let page = try await browser.get("/admin/users/\(alice.id)/")
            let otherSite = try await browser.post("/admin/users/\(alice.id)/", [("csrf_token", page.csrfToken ?? "")] + change, origin: "https://evil.example")
            #expect(otherSite.status == .forbidden)
            #expect(otherSite.html.contains("https://evil.example is not trusted"))

            // A forged sign-in form: no cookie of ours to match its token.
            let forgedSignIn = try await AdminBrowser(client).post("/admin/login/", [
                ("csrf_token", String(repeating: "1", count: 64)), ("phone_number", Demo.admin), ("password", Demo.adminPassword),
            ])
            #expect(forgedSignIn.status == .forbidden)

            #expect(try await runtime.store.user(id: alice.id) == alice, "nothing changed")
            #expect(try await runtime.store.auditEntries(before: nil, limit: 10).isEmpty)

            // The same form with its token, from our own origin, goes through.
            let done = try await browser.submit("/admin/users/\(alice.id)/", from: page, change)
            #expect(done.status == .seeOther)
            #expect(try await runtime.store.user(id: alice.id)?.firstName == "Mallory")
        }
    }

    @Test func originsInCSRFTrustedOriginsArePermitted() async throws {
        try await withApp(environment: ["CSRF_TRUSTED_ORIGINS": "https://chat.example.org"]) { client, runtime in
            let browser = try await AdminBrowser.signedInAdmin(client)
            let rahul = try #require(try await runtime.store.user(phoneNumber: Demo.rahul))
            let page = try await browser.get("/admin/users/\(rahul.id)/")
            let fields = [("csrf_token", page.csrfToken ?? ""), ("first_name", "R."), ("is_active", "on")]
            #expect(try await browser.post("/admin/users/\(rahul.id)/", fields, origin: "https://chat.example.org").status == .seeOther)
            #expect(try await browser.post("/admin/users/\(rahul.id)/", fields, origin: "https://other.example.org").status == .forbidden)
        }
    }

    // MARK: Users

    @Test func findADemoUserByPhoneAndEditThemWithAnAuditEntry() async throws {
        try await withApp { client, runtime in
            let browser = try await AdminBrowser.signedInAdmin(client)
            // Written as people type it: national digits with spaces, in the admin's country.
            let found = try await browser.get("/admin/users/?q=" + "78097 72989".replacingOccurrences(of: " ", with: "+"))
            #expect(found.status == .ok)
            #expect(found.html.contains(Demo.alice))
            #expect(!found.html.contains(Demo.rahul))
            let staffOnly = try await browser.get("/admin/users/?staff=yes")
            let me = try #require(try await runtime.store.user(phoneNumber: Demo.admin))
            #expect(staffOnly.html.contains(#"name="id" value="\#(me.id)""#), "the viewer is listed too")
            #expect(!staffOnly.html.contains(Demo.alice))
            // Staff find people by phone whatever they chose about being found by other users.
            let aliceSession = try await client.session(Demo.alice)
            let optOut = try await client.call(.put, "/api/v2/me/privacy/", json: #"{"searchable_by_phone": false}"#, token: aliceSession.access)
            #expect(optOut.status == .ok, "\(optOut.text)")
            #expect(try await browser.get("/admin/users/?q=%2B917809772989").html.contains(#"name="id" value="\#(aliceSession.id)""#))

            let alice = try #require(try await runtime.store.user(phoneNumber: Demo.alice))
            let page = try await browser.get("/admin/users/\(alice.id)/")
            let bad = try await browser.submit("/admin/users/\(alice.id)/", from: page, [("first_name", "A"), ("email", "not an email"), ("is_active", "on")])
            #expect(bad.status == .badRequest)
            #expect(bad.html.contains("email: Enter a valid email address."))

            let saved = try await browser.submit("/admin/users/\(alice.id)/", from: page, [
                ("first_name", "Alicia"), ("last_name", "Smith"), ("email", "alicia@example.org"), ("is_active", "on"),
            ])
            #expect(saved.location == "/admin/users/\(alice.id)/?notice=saved")
            let after = try #require(try await runtime.store.user(id: alice.id))
            #expect(after.firstName == "Alicia" && after.email == "alicia@example.org" && after.isActive && !after.isStaff)

            let entry = try #require(try await runtime.store.auditEntries(before: nil, limit: 1).first)
            #expect(entry.action == "user.change")
            #expect(entry.actorPhone == Demo.admin)
            #expect(entry.before?.contains(#""first_name": "Alice""#) == true)
            #expect(entry.after?.contains(#""first_name": "Alicia""#) == true)
            let log = try await browser.get("/admin/audit/")
            #expect(log.html.contains("user.change") && log.html.contains("Alicia"))
        }
    }

    @Test func everythingShownIsEscaped() async throws {
        try await withApp { client, runtime in
            let alice = try await client.session(Demo.alice)
            let hostile = #"<script>alert("x")</script>&"#
            let body = String(decoding: try JSONSerialization.data(withJSONObject: ["first_name": hostile]), as: UTF8.self)
            #expect(try await client.call(.patch, "/api/core/user/me/", json: body, token: alice.access).status == .ok)
            let browser = try await AdminBrowser.signedInAdmin(client)
            for path in ["/admin/users/", "/admin/users/\(alice.id)/", "/admin/users/?q=%3Cscript%3E"] {
                let page = try await browser.get(path)
                #expect(page.status == .ok, "\(path)")
                #expect(!page.html.contains("<script>"), "\(path)")
                #expect(page.html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;"), "\(path)")
            }
            // A notice is chosen by key from our own texts: a link cannot put words on the page.
            let notice = try await browser.get("/admin/users/?notice=%3Cb%3Ehello")
            #expect(!notice.html.contains("hello"))
        }
    }

    @Test func onlySuperusersChangeStaffAccounts() async throws {
        try await withApp { client, runtime in
            let admin = try await AdminBrowser.signedInAdmin(client)
            let maria = try #require(try await runtime.store.user(phoneNumber: Demo.maria))
            // The superuser makes Maria staff and gives her a password.
            let page = try await admin.get("/admin/users/\(maria.id)/")
            #expect(try await admin.submit("/admin/users/\(maria.id)/", from: page, [("first_name", maria.firstName), ("is_active", "on"), ("is_staff", "on")]).status == .seeOther)
            let staff = try await admin.get("/admin/staff/")
            #expect(staff.html.contains(Demo.maria))
            #expect(try await admin.submit("/admin/staff/\(maria.id)/password/", from: staff, [("password", "short")]).status == .badRequest)
            #expect(try await admin.submit("/admin/staff/\(maria.id)/password/", from: staff, [("password", "marias-password")]).status == .seeOther)

            let browser = AdminBrowser(client)
            #expect(try await browser.signIn(Demo.maria, "marias-password").status == .seeOther)
            #expect(try await browser.get("/admin/staff/").status == .forbidden)
            #expect(!(try await browser.get("/admin/").html.contains(#"href="/admin/staff/""#)))
            // Staff change users, not other staff accounts.
            let superuser = try #require(try await runtime.store.user(phoneNumber: Demo.admin))
            let adminPage = try await browser.get("/admin/users/\(superuser.id)/")
            let refused = try await browser.submit("/admin/users/\(superuser.id)/", from: adminPage, [("first_name", "Taken over"), ("is_active", "on"), ("is_staff", "on")])
            #expect(refused.status == .forbidden)
            #expect(refused.html.contains("Only a superuser may do that"))
            #expect(try await runtime.store.user(id: superuser.id)?.firstName != "Taken over")
            #expect(try await browser.post("/admin/staff/\(superuser.id)/password/", [("csrf_token", adminPage.csrfToken ?? ""), ("password", "new-password-1")]).status == .forbidden)

            // Demoting Maria ends her admin sessions at once.
            let again = try await admin.get("/admin/users/\(maria.id)/")
            #expect(try await admin.submit("/admin/users/\(maria.id)/", from: again, [("first_name", maria.firstName), ("is_active", "on")]).status == .seeOther)
            #expect(try await browser.get("/admin/").status == .seeOther)
        }
    }

    /// Deactivating from the list: the user's open socket is closed (1008), their token is
    /// refused at once, and they cannot log in again.
    @Test func deactivatingAUserClosesTheirSocketAndRefusesTheirToken() async throws {
        try await withApp(.live) { client, runtime in
            let cast = try await client.cast()
            let socket = try await client.openSocket(token: cast.rahul.access, runtime: runtime)
            let bystander = try await client.openSocket(token: cast.alice.access, runtime: runtime)

            let browser = try await AdminBrowser.signedInAdmin(client)
            let list = try await browser.get("/admin/users/?q=" + Demo.rahul.replacingOccurrences(of: "+", with: "%2B"))
            #expect(list.html.contains(#"value="\#(cast.rahul.id)""#))
            let done = try await browser.submit("/admin/users/bulk/", from: list, [("action", "deactivate"), ("id", "\(cast.rahul.id)")])
            #expect(done.location == "/admin/users/?notice=deactivated-1")

            #expect(await socket.waitForEnd() == .closed(code: 1008))
            let me = try await client.call(.get, Routes.me, token: cast.rahul.access)
            #expect(me.status == .unauthorized)
            #expect(me.text.contains("user_inactive"))
            #expect(try await client.rawUpgrade(token: cast.rahul.access).status == .forbidden)
            #expect(bystander.outcome == nil, "other users' sockets stay open")
            #expect(try await runtime.store.user(id: UserID(rawValue: cast.rahul.id))?.isActive == false)
            await bystander.close()
        }
    }

    @Test func deletingAUserAsksFirstAndSaysWhatGoesWithThem() async throws {
        try await withApp { client, runtime in
            let cast = try await client.cast()
            let interest = try await client.sendInterest(from: cast.alice, to: cast.rahul)
            try await client.acceptInterest(interest, by: cast.rahul)
            try await client.postMessage("one", in: interest, by: cast.rahul)
            try await client.postMessage("two", in: interest, by: cast.rahul)
            let browser = try await AdminBrowser.signedInAdmin(client)

            let confirm = try await browser.get("/admin/users/\(cast.rahul.id)/delete/")
            #expect(confirm.html.contains("1 interest(s)") && confirm.html.contains("2 message(s)"))
            #expect(try await runtime.store.user(id: UserID(rawValue: cast.rahul.id)) != nil, "asking deletes nothing")
            let done = try await browser.submit("/admin/users/\(cast.rahul.id)/delete/", from: confirm, [("confirm", "yes")])
            #expect(done.location == "/admin/users/?notice=deleted-1")
            #expect(try await runtime.store.user(id: UserID(rawValue: cast.rahul.id)) == nil)
            #expect(try await client.call(.get, "/api/my_app/interests/", token: cast.alice.access).array.isEmpty)
            #expect(try await runtime.store.auditEntries(before: nil, limit: 1).first?.action == "user.delete")

            // Bulk delete of two at once asks first too.
            let list = try await browser.get("/admin/users/")
            let ask = try await browser.submit("/admin/users/bulk/", from: list, [("action", "delete"), ("id", "\(cast.alice.id)"), ("id", "\(cast.maria.id)")])
            #expect(ask.status == .ok)
            #expect(ask.html.contains("Delete these 2 users"))
            #expect(try await runtime.store.user(id: UserID(rawValue: cast.maria.id)) != nil)
            let bulk = try await browser.submit("/admin/users/bulk/", from: ask, [("action", "delete"), ("id", "\(cast.alice.id)"), ("id", "\(cast.maria.id)"), ("confirm", "yes")])
            #expect(bulk.location == "/admin/users/?notice=deleted-2")
            #expect(try await runtime.store.user(id: UserID(rawValue: cast.alice.id)) == nil)
        }
    }

    // MARK: Content

    @Test func aDeletedMessageIsGoneForBothParties() async throws {
        try await withApp { client, runtime in
            let cast = try await client.cast()
            let interest = try await client.sendInterest(from: cast.alice, to: cast.rahul)
            try await client.acceptInterest(interest, by: cast.rahul)
            let kept = try await client.postMessage("see you at 7", in: interest, by: cast.alice)
            let removed = try await client.postMessage("my card number is 4111 1111", in: interest, by: cast.alice)
            let browser = try await AdminBrowser.signedInAdmin(client)

            let found = try await browser.get("/admin/messages/?q=card")
            #expect(found.html.contains("my card number") && !found.html.contains("see you at 7"))
            #expect(try await browser.get("/admin/messages/?q=card&user=\(cast.alice.id)").html.contains("my card number"))
            #expect(!(try await browser.get("/admin/messages/?q=card&user=\(cast.rahul.id)").html.contains("my card number")), "the sender filter holds in a search")
            let detail = try await browser.get("/admin/messages/\(removed)/")
            #expect(detail.html.contains("my card number is 4111 1111") && detail.html.contains(Demo.alice))
            let confirm = try await browser.get("/admin/messages/\(removed)/delete/")
            #expect(confirm.status == .ok)
            #expect(confirm.html.contains("my card number is 4111 1111"), "the confirmation shows what goes")
            #expect(try await browser.submit("/admin/messages/\(removed)/delete/", from: confirm, [("confirm", "yes")]).status == .seeOther)

            for party in [cast.alice, cast.rahul] {
                let chat = try await client.call(.get, "/api/my_app/interests/\(interest)/chat_messages/", token: party.access)
                #expect(try ids(chat) == [kept], "v1 hides it")
                let conversation = try #require(try await runtime.store.message(id: ChatMessageID(rawValue: kept))?.conversationID)
                let v2 = try await client.call(.get, "/api/v2/conversations/\(conversation)/messages/", token: party.access)
                #expect(!v2.text.contains("card number"))
                #expect(v2.text.contains(#""deleted": true"#) || v2.text.contains(#""deleted":true"#))
            }
            #expect(try await runtime.store.message(id: ChatMessageID(rawValue: removed))?.message == "", "the text is gone from the store")
            let entry = try #require(try await runtime.store.auditEntries(before: nil, limit: 1).first)
            #expect(entry.action == "message.delete" && entry.before?.contains(#""characters": 27"#) == true)
            #expect(entry.before?.contains("card number") == false, "the audit log does not keep a deleted message's words")
            #expect(try await browser.get("/admin/messages/").html.contains("(deleted)"))
        }
    }

    @Test func groupsAreRenamedLoseMembersAndAreDeletedWithTheirCountsShown() async throws {
        try await withApp { client, runtime in
            let cast = try await client.cast()
            let group = try await client.createGroup("Hikers", by: cast.alice, members: [cast.rahul, cast.maria])
            try await client.postV2("trail at 9", in: group, by: cast.alice)
            let browser = try await AdminBrowser.signedInAdmin(client)

            let groups = try await browser.get("/admin/conversations/?kind=group")
            #expect(groups.html.contains("Hikers"))
            let page = try await browser.get("/admin/conversations/\(group)/")
            #expect(page.html.contains("trail at 9"))
            #expect(try await browser.submit("/admin/conversations/\(group)/", from: page, [("title", "Hill walkers")]).status == .seeOther)
            #expect(try await runtime.store.conversation(id: ConversationID(rawValue: group))?.title == "Hill walkers")
            #expect(try await browser.submit("/admin/conversations/\(group)/", from: page, [("title", "")]).status == .badRequest)
            #expect(try await browser.submit("/admin/conversations/\(group)/", from: page, [("remove_member", "\(cast.maria.id)")]).status == .seeOther)
            #expect(try await runtime.store.memberIDs(of: ConversationID(rawValue: group)).contains(UserID(rawValue: cast.maria.id)) == false)
            #expect(try await browser.submit("/admin/conversations/\(group)/", from: page, [("add_member", "+10000000000")]).status == .badRequest)
            #expect(try await browser.submit("/admin/conversations/\(group)/", from: page, [("add_member", Demo.chen)]).status == .seeOther)
            let chen = try #require(try await runtime.store.user(phoneNumber: Demo.chen))
            #expect(try await runtime.store.memberIDs(of: ConversationID(rawValue: group)).contains(chen.id))
            #expect(try await browser.submit("/admin/conversations/\(group)/", from: page, [("add_member", Demo.chen)]).html.contains("Already a member."))

            let confirm = try await browser.get("/admin/conversations/\(group)/delete/")
            #expect(confirm.html.contains("1 message(s)") && confirm.html.contains("3 member(s)"))
            #expect(try await browser.submit("/admin/conversations/\(group)/delete/", from: confirm, [("confirm", "yes")]).status == .seeOther)
            #expect(try await runtime.store.conversation(id: ConversationID(rawValue: group)) == nil)
            let actions = try await runtime.store.auditEntries(before: nil, limit: 10).map(\.action)
            #expect(actions == ["group.delete", "group.add_member", "group.remove_member", "group.rename"])
        }
    }

    @Test func interestsAreListedByEitherPartyAndDeletedWithTheirConversation() async throws {
        try await withApp { client, runtime in
            let cast = try await client.cast()
            let first = try await client.sendInterest(from: cast.alice, to: cast.rahul)
            try await client.acceptInterest(first, by: cast.rahul)
            try await client.postMessage("hello", in: first, by: cast.alice)
            _ = try await client.sendInterest(from: cast.maria, to: cast.alice)
            let browser = try await AdminBrowser.signedInAdmin(client)

            let rahuls = try await browser.get("/admin/interests/?q=" + Demo.rahul.replacingOccurrences(of: "+", with: "%2B"))
            #expect(rahuls.html.contains(Demo.rahul) && !rahuls.html.contains(Demo.maria))
            let pending = try await browser.get("/admin/interests/?accepted=no")
            #expect(pending.html.contains(Demo.maria) && !pending.html.contains(Demo.rahul))
            let detail = try await browser.get("/admin/interests/\(first)/")
            #expect(detail.html.contains(Demo.alice) && detail.html.contains(Demo.rahul))
            #expect(detail.html.contains(#"href="/admin/conversations/"#), "a link to its direct conversation")
            let confirm = try await browser.get("/admin/interests/\(first)/delete/")
            #expect(confirm.html.contains("1 message(s)"))
            #expect(try await browser.submit("/admin/interests/\(first)/delete/", from: confirm, [("confirm", "yes")]).status == .seeOther)
            #expect(try await runtime.store.interest(id: InterestID(rawValue: first)) == nil)
            #expect(try await client.call(.get, "/api/my_app/interests/", token: cast.rahul.access).array.isEmpty)
        }
    }

    @Test func removingAGroupsLastMemberDeletesItAndSaysSo() async throws {
        try await withApp { client, runtime in
            let cast = try await client.cast()
            let group = try await client.createGroup("Solo", by: cast.alice, members: [])
            let browser = try await AdminBrowser.signedInAdmin(client)
            let page = try await browser.get("/admin/conversations/\(group)/")
            let done = try await browser.submit("/admin/conversations/\(group)/", from: page, [("remove_member", "\(cast.alice.id)")])
            #expect(done.location == "/admin/conversations/?notice=group-deleted")
            #expect(try await runtime.store.conversation(id: ConversationID(rawValue: group)) == nil)
            #expect(try await runtime.store.auditEntries(before: nil, limit: 2).map(\.action) == ["group.delete", "group.remove_member"])
        }
    }

    /// Locked out by failures from one address, the admin still signs in from another: a
    /// stranger who knows a staff number cannot keep its owner out.
    @Test func failedSignInsLockOneAddressNotTheAccount() async throws {
        try await withApp(.live, environment: ["SWIFTCHAT_TRUST_PROXY": "true"]) { client, _ in
            let attacker = AdminBrowser(client)
            var statuses: [HTTPResponse.Status] = []
            for attempt in 1...8 {
                let form = try await attacker.get("/admin/login/", headers: [Self.forwardedFor: "203.0.113.7"])
                statuses.append(try await attacker.post("/admin/login/", [
                    ("csrf_token", form.csrfToken ?? ""), ("phone_number", Demo.admin), ("password", "guess-\(attempt)"),
                ], headers: [Self.forwardedFor: "203.0.113.7"]).status)
            }
            #expect(statuses.contains(.tooManyRequests), "\(statuses)")
            let owner = AdminBrowser(client)
            let form = try await owner.get("/admin/login/", headers: [Self.forwardedFor: "198.51.100.20"])
            let signedIn = try await owner.post("/admin/login/", [
                ("csrf_token", form.csrfToken ?? ""), ("phone_number", Demo.admin), ("password", Demo.adminPassword),
            ], headers: [Self.forwardedFor: "198.51.100.20"])
            #expect(signedIn.status == .seeOther)
        }
    }

    @Test func afterSignInOnlyPathsOfTheAdminSiteAreFollowed() {
        for good in ["/admin/users/", "/admin/users/?q=a&staff=yes", "/admin/users/3/"] {
            #expect(AdminController.safeNext(good) == good)
        }
        for bad in ["/admin/../api/core/user/me/", "/admin/./users/", "/admin/.%2e/x", "//evil.example/admin/", "/admin//x", "https://evil.example/",
                    "/admin\\..\\x", "/api/", "/admin/\u{0}", nil] {
            #expect(AdminController.safeNext(bad) == "/admin/", "\(String(describing: bad))")
        }
    }

    @Test func hostileFormsAndQueriesGetClearErrorsAndChangeNothing() async throws {
        try await withApp { client, runtime in
            let browser = try await AdminBrowser.signedInAdmin(client)
            let alice = try #require(try await runtime.store.user(phoneNumber: Demo.alice))
            let page = try await browser.get("/admin/users/\(alice.id)/")
            let token = try #require(page.csrfToken)
            let asJSON = try await browser.post("/admin/users/\(alice.id)/", [], headers: [.contentType: "application/json"])
            #expect(asJSON.status == .unsupportedMediaType)
            let huge = try await browser.post("/admin/users/\(alice.id)/", [("csrf_token", token), ("first_name", String(repeating: "x", count: 70_000))])
            #expect(huge.status == .contentTooLarge)
            let many = try await browser.post("/admin/users/bulk/", [("csrf_token", token), ("action", "deactivate")] + (1...1_001).map { ("id", "\($0)") })
            #expect(many.status == .badRequest)
            let nul = try await browser.post("/admin/users/\(alice.id)/", [("csrf_token", token), ("first_name", "a\u{0}b"), ("is_active", "on")])
            #expect(nul.status == .badRequest)
            let lookalike = try await browser.post("/admin/users/\(alice.id)/", [("csrf_token", token)], headers: [.contentType: "application/x-www-form-urlencodedX"])
            #expect(lookalike.status == .unsupportedMediaType)
            let badEncoding = try await client.execute(
                uri: "/admin/users/\(alice.id)/", method: .post,
                headers: [.contentType: "application/x-www-form-urlencoded", .cookie: "\(AdminCookie.session)=\(browser.cookie(AdminCookie.session) ?? "")"],
                body: ByteBuffer(string: "csrf_token=\(token)&first_name=%FF%FE&is_active=on")) { $0.status }
            #expect(badEncoding == .badRequest)
            let longName = try await browser.submit("/admin/users/\(alice.id)/", from: page, [("first_name", String(repeating: "y", count: 151)), ("is_active", "on")])
            #expect(longName.status == .badRequest)
            let unknownAction = try await browser.submit("/admin/users/bulk/", from: page, [("action", "promote"), ("id", "\(alice.id)")])
            #expect(unknownAction.status == .badRequest)
            #expect(try await runtime.store.user(id: alice.id) == alice)
            for query in ["q=" + Array(repeating: "w", count: 50).joined(separator: "+"), "q=%22unclosed", "before=-1", "after=x"] {
                let answer = try await browser.get("/admin/users/?" + query)
                #expect(answer.status == .ok || answer.status == .badRequest, "\(query): \(answer.status)")
                let messages = try await browser.get("/admin/messages/?" + query)
                #expect(messages.status == .ok || messages.status == .badRequest, "\(query): \(messages.status)")
                #expect(messages.status != .badRequest || messages.headers[.contentType]?.hasPrefix("application/json") == true)
            }
        }
    }

    @Test func listsArePagedAndBadIDsAnswerNotFound() async throws {
        try await withApp { client, _ in
            let cast = try await client.cast()
            let interest = try await client.sendInterest(from: cast.alice, to: cast.rahul)
            try await client.acceptInterest(interest, by: cast.rahul)
            for index in 1...(AdminController.pageSize + 5) { try await client.postMessage("message \(index)", in: interest, by: cast.alice) }
            let browser = try await AdminBrowser.signedInAdmin(client)
            let first = try await browser.get("/admin/messages/")
            #expect(first.html.contains(">message \(AdminController.pageSize + 5)<") && !first.html.contains(">message 5<"))
            let next = try #require(first.html.range(of: #"href="/admin/messages/?before="#).map { first.html[$0.upperBound...].prefix { $0 != "\"" } })
            let second = try await browser.get("/admin/messages/?before=" + next)
            #expect(second.html.contains(">message 5<") && second.html.contains(">message 1<"))
            #expect(!second.html.contains(#"href="/admin/messages/?before="#), "no page after the last")
            for path in ["/admin/users/999999/", "/admin/users/abc/", "/admin/users/99999999999999999999/", "/admin/conversations/0/", "/admin/messages/77777/delete/"] {
                #expect(try await browser.get(path).status == .notFound, "\(path)")
            }
        }
    }
}
