import Foundation
import HTTPTypes
import HummingbirdTesting
import NIOCore
import Synchronization
import Testing

/// A page of the admin site as a browser got it.
struct AdminPage: Sendable {
    let status: HTTPResponse.Status
    let headers: HTTPFields
    let html: String

    var location: String? { headers[.location] }

    /// The CSRF token the page's forms carry (the first one).
    var csrfToken: String? {
        guard let range = html.range(of: #"name="csrf_token" value=""#) else { return nil }
        let rest = html[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}

/// What a browser does on the admin site, over the test client: keeps the cookies the server
/// sets (per name, dropping those set to expire), sends them back, posts forms as browsers
/// encode them, with an Origin of our own unless told otherwise.
final class AdminBrowser: Sendable {
    let client: any TestClientProtocol
    /// What the browser says its forms come from: the test client's own host by default.
    let origin: String?
    private let cookies = Mutex<[String: String]>([:])

    init(_ client: any TestClientProtocol, origin: String? = "http://localhost") {
        self.client = client
        self.origin = origin
    }

    var cookieNames: [String] { cookies.withLock { Array($0.keys).sorted() } }

    func cookie(_ name: String) -> String? { cookies.withLock { $0[name] } }

    func forget(_ name: String) { cookies.withLock { _ = $0.removeValue(forKey: name) } }

    func setCookie(_ name: String, _ value: String) { cookies.withLock { $0[name] = value } }

    func get(_ path: String, headers extra: HTTPFields = [:]) async throws -> AdminPage {
        try await send(.get, path, headers: extra, body: nil)
    }

    /// Posts `fields` form-encoded, from `origin` (the browser's own unless given).
    func post(_ path: String, _ fields: [(String, String)], origin: String?? = nil, headers extra: HTTPFields = [:]) async throws -> AdminPage {
        var headers = extra
        if headers[.contentType] == nil { headers[.contentType] = "application/x-www-form-urlencoded" }
        if let sent = origin ?? self.origin { headers[.origin] = sent }
        let body = fields.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
        return try await send(.post, path, headers: headers, body: ByteBuffer(string: body))
    }

    /// Signs in through the form as a browser would: the sign-in page first (its cookie and token), then the post.
    func signIn(_ phone: String, _ password: String) async throws -> AdminPage {
        let form = try await get("/admin/login/")
        return try await post("/admin/login/", [("csrf_token", form.csrfToken ?? ""), ("phone_number", phone), ("password", password), ("next", "/admin/")])
    }

    /// A browser signed in as the seeded admin (a superuser).
    static func signedInAdmin(_ client: any TestClientProtocol, sourceLocation: SourceLocation = #_sourceLocation) async throws -> AdminBrowser {
        let browser = AdminBrowser(client)
        let answer = try await browser.signIn(Demo.admin, Demo.adminPassword)
        try #require(answer.status == .seeOther, "the seeded admin's sign-in: \(answer.status)", sourceLocation: sourceLocation)
        return browser
    }

    /// Posts a form found on `page` (its CSRF token added).
    func submit(_ path: String, from page: AdminPage, _ fields: [(String, String)]) async throws -> AdminPage {
        try await post(path, [("csrf_token", page.csrfToken ?? "")] + fields)
    }

    private func send(_ method: HTTPRequest.Method, _ path: String, headers extra: HTTPFields, body: ByteBuffer?) async throws -> AdminPage {
        var headers = extra
        let jar = cookies.withLock { $0 }
        if !jar.isEmpty { headers[.cookie] = jar.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "; ") }
        let page = try await client.execute(uri: path, method: method, headers: headers, body: body) { response in
            AdminPage(status: response.status, headers: response.headers, html: String(buffer: response.body))
        }
        for header in page.headers[values: .setCookie] {
            let pair = header.split(separator: ";", maxSplits: 1)[0].split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { continue }
            let (name, value) = (String(pair[0]), String(pair[1]))
            cookies.withLock { jar in
                if header.contains("Max-Age=0") { jar.removeValue(forKey: name) } else { jar[name] = value }
            }
        }
        return page
    }

    private static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return (text.addingPercentEncoding(withAllowedCharacters: allowed) ?? "").replacingOccurrences(of: "%20", with: "+")
    }
}
