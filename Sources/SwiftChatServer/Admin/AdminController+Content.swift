import Foundation
import Hummingbird
import SwiftChatCore

/// The admin site's pages for what users make: interests, conversations and groups, messages.
extension AdminController {
    func registerContentPages(on router: Router<AppRequestContext>) {
        router.get("/admin/interests/") { request, _ in try await page(request) { try await interestList(request, $0) } }
        router.get("/admin/interests/:id/") { request, context in
            try await page(request) { try await interestPage(Self.id(context.parameters.get("id")), $0) }
        }
        router.get("/admin/interests/:id/delete/") { request, context in
            try await page(request) { try await confirmInterestDelete(Self.id(context.parameters.get("id")), $0) }
        }
        router.post("/admin/interests/:id/delete/") { request, context in
            try await change(request) { viewer, _ in
                try await perform(viewer, done: "/admin/interests/?notice=interest-deleted") {
                    try await admin.deleteInterest(InterestID(rawValue: try Self.required(context.parameters.get("id"))), by: viewer.user)
                }
            }
        }
        router.get("/admin/conversations/") { request, _ in try await page(request) { try await conversationList(request, $0) } }
        router.get("/admin/conversations/:id/") { request, context in
            try await page(request) { try await conversationPage(Self.id(context.parameters.get("id")), $0, notice: noticeText(request)) }
        }
        router.post("/admin/conversations/:id/") { request, context in
            try await change(request) { viewer, form in
                let id = ConversationID(rawValue: try Self.required(context.parameters.get("id")))
                if let member = Self.id(form["remove_member"]) {
                    // The last member's removal takes the group with it: then back to the list.
                    var outcome = RemovalOutcome.notMember
                    let removed = try await perform(viewer, done: "") { outcome = try await admin.removeMember(UserID(rawValue: member), from: id, by: viewer.user) }
                    guard removed.status == .seeOther else { return removed }
                    return Self.redirect(outcome == .groupDeleted ? "/admin/conversations/?notice=group-deleted" : "/admin/conversations/\(id)/?notice=group-saved")
                }
                return try await perform(viewer, done: "/admin/conversations/\(id)/?notice=group-saved") {
                    if let phone = form["add_member"] {
                        guard let user = try await user(matchingPhone: phone, viewer) else { throw APIError.badRequest("No user has the phone number \(phone).") }
                        try await admin.addMember(user.id, to: id, by: viewer.user)
                    } else {
                        try await admin.renameGroup(id, title: form["title"] ?? "", by: viewer.user)
                    }
                }
            }
        }
        router.get("/admin/conversations/:id/delete/") { request, context in
            try await page(request) { try await confirmGroupDelete(Self.id(context.parameters.get("id")), $0) }
        }
        router.post("/admin/conversations/:id/delete/") { request, context in
            try await change(request) { viewer, _ in
                try await perform(viewer, done: "/admin/conversations/?notice=group-deleted") {
                    try await admin.deleteGroup(ConversationID(rawValue: try Self.required(context.parameters.get("id"))), by: viewer.user)
                }
            }
        }
        router.get("/admin/messages/") { request, _ in try await page(request) { try await messageList(request, $0) } }
        router.get("/admin/messages/:id/") { request, context in
            try await page(request) { try await messagePage(Self.id(context.parameters.get("id")), $0) }
        }
        router.post("/admin/messages/bulk/") { request, _ in try await change(request) { try await bulkMessages($0, $1) } }
        router.get("/admin/messages/:id/delete/") { request, context in
            try await page(request) { try await confirmMessageDelete([Self.id(context.parameters.get("id"))].compactMap { $0 }, $0) }
        }
        router.post("/admin/messages/:id/delete/") { request, context in
            try await change(request) { viewer, _ in
                try await deleteMessages([Self.id(context.parameters.get("id"))].compactMap { $0 }, viewer)
            }
        }
    }

    // MARK: Interests

    private func interestList(_ request: Request, _ viewer: AdminViewer) async throws -> Response {
        let search = query(request, "q") ?? ""
        var party: User?
        if !search.isEmpty {
            party = try await user(matchingPhone: search, viewer)
            guard party != nil else { return html(AdminLayout.page("Interests", viewer: viewer, body: interestFilters(search, request) + Self.noMatch)) }
        }
        let before = Self.id(query(request, "before")).map { InterestID(rawValue: $0) }
        let found = try await store.interests(before: before, involving: party?.id, accepted: Self.flag(query(request, "accepted")), limit: Self.pageSize + 1)
        let shown = Array(found.prefix(Self.pageSize))
        let people = try await users(Set(shown.flatMap { [$0.sentBy, $0.sentTo] }))
        let rows = shown.map { interest in
            [AdminLayout.link("/admin/interests/\(interest.id)/", "\(interest.id)"), AdminLayout.userCell(people[interest.sentBy], id: interest.sentBy), AdminLayout.userCell(people[interest.sentTo], id: interest.sentTo),
             AdminLayout.yesNo(interest.isAccepted), AdminLayout.when(interest.createdAt), AdminLayout.link("/admin/interests/\(interest.id)/delete/", "Delete…")]
        }
        let keep = [("q", search), ("accepted", query(request, "accepted") ?? "")].filter { !$0.1.isEmpty }
        let body = interestFilters(search, request)
            + AdminLayout.table(["Id", "Sent by", "Sent to", "Accepted", "Sent", ""], rows, empty: "No interest matches.")
            + AdminLayout.nextPage("/admin/interests/", query: keep + [("before", "\(shown.last?.id ?? 0)")], more: found.count > Self.pageSize)
        return html(AdminLayout.page("Interests", viewer: viewer, notice: noticeText(request), body: body))
    }

    private func interestFilters(_ search: String, _ request: Request) -> String {
        """
        <form class="filters" method="get" action="/admin/interests/">
        <div><label for="q">Either party's phone number</label><input type="search" id="q" name="q" value="\(HTMLText.escape(search))"></div>
        \(Self.flagSelect("accepted", "Accepted", query(request, "accepted")))<button type="submit" class="secondary">Filter</button></form>
        """
    }

    private func interestPage(_ id: Int64?, _ viewer: AdminViewer) async throws -> Response {
        guard let id, let interest = try await store.interest(id: InterestID(rawValue: id)) else { return notFoundPage(viewer) }
        let people = try await users([interest.sentBy, interest.sentTo])
        let conversation = try await store.conversationID(ofInterest: interest.id)
        let details = AdminLayout.table(["Field", "Value"], [
            ["Id", "\(interest.id)"], ["Sent by", AdminLayout.userCell(people[interest.sentBy], id: interest.sentBy)],
            ["Sent to", AdminLayout.userCell(people[interest.sentTo], id: interest.sentTo)], ["Accepted", AdminLayout.yesNo(interest.isAccepted)],
            ["Sent", AdminLayout.when(interest.createdAt)], ["Messages", "\(try await store.messageCount(ofInterest: interest.id))"],
            ["Conversation", conversation.map { AdminLayout.link("/admin/conversations/\($0)/", "\($0)") } ?? ""],
        ])
        let actions = #"<p class="actions">"# + AdminLayout.link("/admin/interests/\(id)/delete/", "Delete…") + "</p>"
        return html(AdminLayout.page("Interest \(id)", viewer: viewer, body: details + actions))
    }

    private func confirmInterestDelete(_ id: Int64?, _ viewer: AdminViewer) async throws -> Response {
        guard let id, let interest = try await store.interest(id: InterestID(rawValue: id)) else { return notFoundPage(viewer) }
        let people = try await users([interest.sentBy, interest.sentTo])
        let phone = { (id: UserID) in people[id]?.phoneNumber ?? "user \(id)" }
        let messages = try await store.messageCount(ofInterest: interest.id)
        return html(AdminLayout.confirmation(
            "Delete interest", viewer: viewer, what: "Delete the interest from \(phone(interest.sentBy)) to \(phone(interest.sentTo))?",
            cascades: ["its direct conversation", "\(messages) message(s) in it, with their attachments"],
            action: "/admin/interests/\(id)/delete/", back: "/admin/interests/"))
    }

    // MARK: Conversations and groups

    private func conversationList(_ request: Request, _ viewer: AdminViewer) async throws -> Response {
        let groupsOnly = query(request, "kind") == "group"
        let search = query(request, "q") ?? ""
        let before = Self.id(query(request, "before")).map { ConversationID(rawValue: $0) }
        var conversations: [Conversation] = []
        var more = false, truncated = false
        if !search.isEmpty {
            // A member's phone number: their conversations, newest activity first.
            if let member = try await user(matchingPhone: search, viewer) {
                let page = try await store.conversations(of: member.id, after: nil, limit: Self.maxMemberConversations)
                conversations = page.conversations.filter { !groupsOnly || $0.kind == .group }
                truncated = page.conversations.count == Self.maxMemberConversations
            }
        } else {
            let ids = try await store.conversationIDs(before: before, groupsOnly: groupsOnly, limit: Self.pageSize + 1)
            more = ids.count > Self.pageSize
            for id in ids.prefix(Self.pageSize) { if let found = try await store.conversation(id: id) { conversations.append(found) } }
        }
        let rows = conversations.map { conversation in
            [AdminLayout.link("/admin/conversations/\(conversation.id)/", "\(conversation.id)"), HTMLText.escape(conversation.kind.rawValue),
             HTMLText.escape(Self.name(of: conversation)), "\(conversation.members.count)", AdminLayout.when(conversation.createdAt)]
        }
        let options = [("", "Every kind"), ("group", "Groups")].map { value, text in
            #"<option value="\#(value)"\#((query(request, "kind") ?? "") == value ? " selected" : "")>\#(text)</option>"#
        }.joined()
        let filters = """
            <form class="filters" method="get" action="/admin/conversations/">
            <div><label for="q">A member's phone number</label><input type="search" id="q" name="q" value="\(HTMLText.escape(search))"></div>
            <div><label for="kind">Kind</label><select id="kind" name="kind">\(options)</select></div><button type="submit" class="secondary">Filter</button></form>
            """
        let keep = groupsOnly ? [("kind", "group")] : []
        let note = truncated ? #"<p class="muted">Their \#(Self.maxMemberConversations) most recently active conversations are shown.</p>"# : ""
        let body = filters + note + AdminLayout.table(["Id", "Kind", "Title or members", "Members", "Created"], rows, empty: "No conversation matches.")
            + AdminLayout.nextPage("/admin/conversations/", query: keep + [("before", "\(conversations.last?.id ?? 0)")], more: more)
        return html(AdminLayout.page("Conversations", viewer: viewer, notice: noticeText(request), body: body))
    }

    private func conversationPage(_ id: Int64?, _ viewer: AdminViewer, notice: String?) async throws -> Response {
        guard let id, let conversation = try await store.conversation(id: ConversationID(rawValue: id)) else { return notFoundPage(viewer) }
        let isGroup = conversation.kind == .group
        let members = conversation.members.map { member in
            [AdminLayout.userCell(member.user, id: member.user.id), HTMLText.escape(member.role.rawValue), AdminLayout.when(member.joinedAt),
             isGroup ? """
                 <form method="post" action="/admin/conversations/\(id)/">\(AdminLayout.csrfField(viewer))<input type="hidden" name="remove_member" value="\(member.user.id)">
                 <button type="submit" class="secondary">Remove</button></form>
                 """ : ""]
        }
        var body = "<h2>Members</h2>" + AdminLayout.table(["Member", "Role", "Joined", ""], members)
        if isGroup {
            body = """
                <form class="panel" method="post" action="/admin/conversations/\(id)/">\(AdminLayout.csrfField(viewer))
                <label for="title">Title</label><input type="text" id="title" name="title" maxlength="100" value="\(HTMLText.escape(conversation.title ?? ""))" required>
                <div class="actions"><button type="submit">Save</button>\(AdminLayout.link("/admin/conversations/\(id)/delete/", "Delete group…"))</div></form>
                """ + body + """
                <form class="filters" method="post" action="/admin/conversations/\(id)/">\(AdminLayout.csrfField(viewer))
                <div><label for="add_member">Add a member by phone number</label><input type="text" id="add_member" name="add_member" required></div>
                <button type="submit" class="secondary">Add</button></form>
                """
        } else if let interest = conversation.interestID {
            body += #"<p class="muted">A direct conversation goes with its interest: "# + AdminLayout.link("/admin/interests/\(interest)/delete/", "delete the interest…") + "</p>"
        }
        let recent = try await store.messages(before: nil, in: conversation.id, from: nil, limit: 20)
        body += "<h2>Latest messages</h2>" + messageTable(recent, people: Dictionary(conversation.members.map { ($0.user.id, $0.user) }, uniquingKeysWith: { a, _ in a }), viewer: viewer)
            + #"<p class="actions">"# + AdminLayout.link("/admin/messages/?conversation=\(id)", "All its messages") + "</p>"
        let title = isGroup ? "Group \(conversation.title ?? "")" : "Direct conversation \(id)"
        return html(AdminLayout.page(title, viewer: viewer, notice: notice, body: body))
    }

    private func confirmGroupDelete(_ id: Int64?, _ viewer: AdminViewer) async throws -> Response {
        guard let id, let group = try await store.conversation(id: ConversationID(rawValue: id)), group.kind == .group else { return notFoundPage(viewer) }
        let messages = try await store.messageCount(in: group.id)
        return html(AdminLayout.confirmation(
            "Delete group", viewer: viewer, what: "Delete the group \(group.title ?? "") and everything in it?",
            cascades: ["\(messages) message(s), with their attachments", "the membership of \(group.members.count) member(s), who are told"],
            action: "/admin/conversations/\(id)/delete/", back: "/admin/conversations/\(id)/"))
    }

    static func name(of conversation: Conversation) -> String {
        conversation.title ?? conversation.members.map(\.user.phoneNumber).joined(separator: " · ")
    }

    // MARK: Messages

    private func messageList(_ request: Request, _ viewer: AdminViewer) async throws -> Response {
        let search = query(request, "q") ?? ""
        let conversation = Self.id(query(request, "conversation")).map { ConversationID(rawValue: $0) }
        let sender = Self.id(query(request, "user")).map { UserID(rawValue: $0) }
        let before = Self.id(query(request, "before")).map { ChatMessageID(rawValue: $0) }
        var messages: [ChatMessage]
        var more = false
        if search.isEmpty {
            messages = try await store.messages(before: before, in: conversation, from: sender, limit: Self.pageSize + 1)
            more = messages.count > Self.pageSize
            messages = Array(messages.prefix(Self.pageSize))
        } else {
            // Full-text search across every conversation: the best matches, one page of them.
            let parsed = try MessageSearchQuery(search, maxTerms: api.search.maxTerms, maxTermLength: api.search.maxTermLength)
            messages = try await store.searchMessages(parsed, for: nil, in: conversation, from: sender, offset: 0, limit: Self.pageSize).map(\.message)
        }
        let people = try await users(Set(messages.map(\.userID)))
        let filters = """
            <form class="filters" method="get" action="/admin/messages/">
            <div><label for="q">Words in the text</label><input type="search" id="q" name="q" value="\(HTMLText.escape(search))"></div>
            <div><label for="conversation">Conversation id</label><input type="text" id="conversation" name="conversation" inputmode="numeric" value="\(conversation.map { "\($0)" } ?? "")"></div>
            <div><label for="user">Sender's user id</label><input type="text" id="user" name="user" inputmode="numeric" value="\(sender.map { "\($0)" } ?? "")"></div>
            <button type="submit" class="secondary">Filter</button></form>
            """
        let bulk = AdminLayout.bulkForm(
            "/admin/messages/bulk/", viewer: viewer, actions: #"<button type="submit" class="danger">Delete selected…</button>"#,
            table: messageTable(messages, people: people, viewer: viewer, selectable: true), hasRows: !messages.isEmpty)
        let keep = [("conversation", conversation.map { "\($0)" } ?? ""), ("user", sender.map { "\($0)" } ?? "")].filter { !$0.1.isEmpty }
        let next = AdminLayout.nextPage("/admin/messages/", query: keep + [("before", "\(messages.last?.id ?? 0)")], more: more)
        return html(AdminLayout.page("Messages", viewer: viewer, notice: noticeText(request), body: filters + bulk + next))
    }

    private func messageTable(_ messages: [ChatMessage], people: [UserID: User], viewer: AdminViewer, selectable: Bool = false) -> String {
        let rows = messages.map { message in
            let text = message.isDeleted ? #"<span class="muted">(deleted)</span>"# : HTMLText.escape(message.message)
            let files = message.attachments.isEmpty ? "" : #"<div class="muted">"# + HTMLText.escape(message.attachments.map(\.name).joined(separator: ", ")) + "</div>"
            return (selectable ? [#"<input type="checkbox" name="id" value="\#(message.id)" aria-label="Select message \#(message.id)">"#] : [])
                + [AdminLayout.link("/admin/messages/\(message.id)/", "\(message.id)"), AdminLayout.when(message.createdAt), AdminLayout.userCell(people[message.userID], id: message.userID),
                   AdminLayout.link("/admin/conversations/\(message.conversationID)/", "\(message.conversationID)"), text + files,
                   message.isDeleted ? "" : AdminLayout.link("/admin/messages/\(message.id)/delete/", "Delete…")]
        }
        let headers = (selectable ? [""] : []) + ["Id", "Sent", "Sender", "Conversation", "Text", ""]
        return AdminLayout.table(headers, rows, empty: "No message matches.")
    }

    private func messagePage(_ id: Int64?, _ viewer: AdminViewer) async throws -> Response {
        guard let id, let message = try await store.message(id: ChatMessageID(rawValue: id)) else { return notFoundPage(viewer) }
        let sender = try await store.user(id: message.userID)
        let files = message.attachments.map { file in
            HTMLText.escape("\(file.name) (\(file.mimeType), \(AdminLayout.bytes(file.size)))")
        }.joined(separator: "<br>")
        let details = AdminLayout.table(["Field", "Value"], [
            ["Id", "\(message.id)"], ["Conversation", AdminLayout.link("/admin/conversations/\(message.conversationID)/", "\(message.conversationID)")],
            ["Sender", AdminLayout.userCell(sender, id: message.userID)], ["Sent", AdminLayout.when(message.createdAt)],
            ["Edited", message.editedAt.map(AdminLayout.when) ?? ""], ["Deleted", message.deletedAt.map(AdminLayout.when) ?? ""],
            ["Text", #"<div class="text">\#(HTMLText.escape(message.message))</div>"#], ["Attachments", files],
        ])
        let actions = message.isDeleted ? "" : #"<p class="actions">"# + AdminLayout.link("/admin/messages/\(id)/delete/", "Delete…") + "</p>"
        return html(AdminLayout.page("Message \(id)", viewer: viewer, body: details + actions))
    }

    private func bulkMessages(_ viewer: AdminViewer, _ form: AdminForm) async throws -> Response {
        let ids = form.all("id").compactMap(Self.id)
        guard !ids.isEmpty else { return Self.redirect("/admin/messages/?notice=none-selected") }
        return form["confirm"] == "yes" ? try await deleteMessages(ids, viewer) : try await confirmMessageDelete(ids, viewer)
    }

    private func confirmMessageDelete(_ ids: [Int64], _ viewer: AdminViewer) async throws -> Response {
        var found: [ChatMessage] = []
        for id in Set(ids).sorted() { if let message = try await store.message(id: ChatMessageID(rawValue: id)), !message.isDeleted { found.append(message) } }
        guard !found.isEmpty else { return notFoundPage(viewer) }
        let single = found.count == 1
        let what = single ? "Delete message \(found[0].id), “\(found[0].message.prefix(200))”? Its text goes from the store; the members see a tombstone."
            : "Delete these \(found.count) messages? Their text goes from the store; the members see tombstones."
        let files = found.reduce(0) { $0 + $1.attachments.count }
        let action = single ? "/admin/messages/\(found[0].id)/delete/" : "/admin/messages/bulk/"
        let hidden = single ? [] : found.map { ("id", "\($0.id)") }
        return html(AdminLayout.confirmation(
            "Delete message", viewer: viewer, what: what, cascades: files == 0 ? [] : ["\(files) attachment(s)"], action: action, hidden: hidden,
            back: "/admin/messages/"))
    }

    private func deleteMessages(_ ids: [Int64], _ viewer: AdminViewer) async throws -> Response {
        var deleted = 0
        for id in Set(ids).sorted() {
            do {
                try await admin.deleteMessage(ChatMessageID(rawValue: id), by: viewer.user)
                deleted += 1
            } catch APIError.notFound {
                continue
            }
        }
        return Self.redirect("/admin/messages/?notice=messages-deleted-\(deleted)")
    }

    // MARK: Small parts

    /// A user by the phone number written in a search box (as written, or in the viewer's country).
    private func user(matchingPhone text: String, _ viewer: AdminViewer) async throws -> User? {
        for number in UserFilter.phoneNumbers(in: text, callerNumber: viewer.user.phoneNumber) ?? [] {
            if let user = try await store.user(phoneNumber: number) { return user }
        }
        return nil
    }

    private func users(_ ids: Set<UserID>) async throws -> [UserID: User] {
        var found: [UserID: User] = [:]
        for id in ids { found[id] = try await store.user(id: id) }
        return found
    }

    static let maxMemberConversations = 500

    private static let noMatch = #"<p class="muted">No user has that phone number.</p>"#
}
