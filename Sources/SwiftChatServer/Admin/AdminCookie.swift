import HTTPTypes

/// The admin site's cookies: the session's token, and the sign-in form's own CSRF token (a
/// form posted before any session exists). Both `HttpOnly`, `SameSite=Strict`, limited to
/// `/admin/`, and `Secure` outside dev mode (dev serves plain HTTP on localhost).
struct AdminCookie {
    static let session = "swiftchat_admin_session"
    static let signInCSRF = "swiftchat_admin_signin"

    let secure: Bool

    func set(_ name: String, _ value: String, maxAge: Int) -> String {
        "\(name)=\(value); Path=/admin/; Max-Age=\(maxAge); HttpOnly; SameSite=Strict" + (secure ? "; Secure" : "")
    }

    func clear(_ name: String) -> String { set(name, "", maxAge: 0) }

    /// The value of cookie `name` in the request's `Cookie` headers, if it is one we could have set.
    static func value(_ name: String, in headers: HTTPFields) -> String? {
        for header in headers[values: .cookie] {
            for pair in header.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingCharacters(in: .whitespaces) == name else { continue }
                let value = parts[1].trimmingCharacters(in: .whitespaces)
                // Our tokens are 64 hex digits; anything else is not ours (a cookie planted by a
                // neighbour on this host, say), and the next one of the name may be.
                guard value.utf8.count == 64, value.utf8.allSatisfy({ (48...57).contains($0) || (97...102).contains($0) }) else { continue }
                return value
            }
        }
        return nil
    }
}
