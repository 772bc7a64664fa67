import Foundation
import SwiftChatCore

/// Who is looking at an admin page, and the token its forms carry back.
struct AdminViewer {
    let user: User
    let csrfToken: String
}

/// The frame of every admin page and the small pieces pages are made of. Every value shown
/// passes through `HTMLText.escape` here or in the page that builds it; nothing is inline
/// script or style, so the web client's Content-Security-Policy serves these pages too.
enum AdminLayout {
    static func page(_ title: String, viewer: AdminViewer?, notice: String? = nil, error: String? = nil, body: String) -> String {
        var bar = #"<header class="bar"><a class="brand" href="/admin/">SwiftChat admin</a>"#
        if let viewer {
            var links = [("/admin/users/", "Users"), ("/admin/interests/", "Interests"), ("/admin/conversations/", "Conversations"),
                         ("/admin/messages/", "Messages"), ("/admin/audit/", "Audit log")]
            if viewer.user.isSuperuser { links.append(("/admin/staff/", "Staff")) }
            bar += "<nav>" + links.map { #"<a href="\#($0.0)">\#($0.1)</a>"# }.joined() + "</nav>"
            bar += #"<span class="muted">\#(HTMLText.escape(viewer.user.phoneNumber))</span>"#
            bar += #"<form method="post" action="/admin/logout/">\#(csrfField(viewer))<button type="submit">Sign out</button></form>"#
        }
        bar += "</header>"
        let messages = (notice.map { #"<p class="notice" role="status">\#(HTMLText.escape($0))</p>"# } ?? "")
            + (error.map { #"<p class="error" role="alert">\#(HTMLText.escape($0))</p>"# } ?? "")
        return """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(HTMLText.escape(title)) · SwiftChat admin</title><link rel="stylesheet" href="/assets/admin.css"><link rel="icon" href="/assets/icon.svg"></head>
            <body>\(bar)<main><h1>\(HTMLText.escape(title))</h1>\(messages)\(body)</main></body></html>
            """
    }

    static func csrfField(_ viewer: AdminViewer) -> String {
        #"<input type="hidden" name="csrf_token" value="\#(HTMLText.escape(viewer.csrfToken))">"#
    }

    /// A table; `rows` are cells of HTML already escaped by their builder.
    static func table(_ headers: [String], _ rows: [[String]], empty: String = "Nothing here.") -> String {
        guard !rows.isEmpty else { return #"<p class="muted">\#(HTMLText.escape(empty))</p>"# }
        let head = "<tr>" + headers.map { "<th>\(HTMLText.escape($0))</th>" }.joined() + "</tr>"
        let body = rows.map { "<tr>" + $0.map { "<td>\($0)</td>" }.joined() + "</tr>" }.joined()
        return #"<div class="table-scroll"><table><thead>\#(head)</thead><tbody>\#(body)</tbody></table></div>"#
    }

    /// A table whose rows can be selected for `actions` (controls posted to `path`); without
    /// rows there is nothing to act on, so only the table's empty text shows.
    static func bulkForm(_ path: String, viewer: AdminViewer, actions: String, table: String, hasRows: Bool) -> String {
        #"<form method="post" action="\#(HTMLText.escape(path))">\#(csrfField(viewer))"#
            + (hasRows ? #"<div class="actions">\#(actions)</div>"# : "") + table + "</form>"
    }

    static func link(_ path: String, _ text: String) -> String {
        #"<a href="\#(HTMLText.escape(path))">\#(HTMLText.escape(text))</a>"#
    }

    /// "Next page" when there is more, keeping the list's filters.
    static func nextPage(_ path: String, query: [(String, String)], more: Bool) -> String {
        guard more else { return "" }
        let encoded = query.map { "\($0.0)=\(percentEncoded($0.1))" }.joined(separator: "&")
        return #"<p class="actions">\#(link(path + "?" + encoded, "Next page →"))</p>"#
    }

    static func percentEncoded(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? ""
    }

    static func yesNo(_ value: Bool) -> String { value ? "yes" : "no" }

    /// To the second, in UTC, as people read it; the full timestamp in the tooltip.
    static func when(_ date: Date) -> String {
        let full = ISOTimestamp.string(date)
        let shown = full.prefix(19).replacingOccurrences(of: "T", with: " ") + " UTC"
        return #"<time datetime="\#(HTMLText.escape(full))" title="\#(HTMLText.escape(full))">\#(HTMLText.escape(shown))</time>"#
    }

    static func bytes(_ count: Int64) -> String {
        count == 0 ? "0 bytes" : ByteCountFormatter.string(fromByteCount: count, countStyle: .file)
    }

    /// A user as a list shows them: a link to their page with their phone number and name.
    static func userCell(_ user: User?, id: UserID) -> String {
        guard let user else { return HTMLText.escape("user \(id) (deleted)") }
        let name = [user.firstName, user.lastName].filter { !$0.isEmpty }.joined(separator: " ")
        return link("/admin/users/\(id)/", user.phoneNumber) + (name.isEmpty ? "" : " " + HTMLText.escape(name))
    }

    /// A page that asks before a delete, saying what the delete takes with it.
    static func confirmation(_ title: String, viewer: AdminViewer, what: String, cascades: [String], action: String, hidden: [(String, String)] = [], back: String) -> String {
        let list = cascades.isEmpty ? "" : #"<p>It also deletes:</p><ul class="cascade">"# + cascades.map { "<li>\(HTMLText.escape($0))</li>" }.joined() + "</ul>"
        let fields = hidden.map { #"<input type="hidden" name="\#(HTMLText.escape($0.0))" value="\#(HTMLText.escape($0.1))">"# }.joined()
        return page(title, viewer: viewer, body: """
            <div class="panel"><p>\(HTMLText.escape(what))</p>\(list)
            <form method="post" action="\(HTMLText.escape(action))">\(csrfField(viewer))\(fields)<input type="hidden" name="confirm" value="yes">
            <div class="actions"><button type="submit" class="danger">Yes, delete</button>\(link(back, "No, go back"))</div></form></div>
            """)
    }
}
