import HTTPTypes

/// What every page the binary serves itself carries (the web client, and the admin site to
/// come): scripts, styles and connections from this origin only, no inline script, no framing,
/// no referrer leaving the site, and no guessing of media types.
enum PageSecurityHeaders {
    /// `mediaOrigins`: where attachments may also come from (an S3 bucket's origin, which the
    /// server's download links redirect to).
    static func contentSecurityPolicy(mediaOrigins: [String] = []) -> String {
        let media = (["'self'", "blob:"] + mediaOrigins).joined(separator: " ")
        return [
            "default-src 'none'", "script-src 'self'", "style-src 'self'", "img-src \(media)", "media-src \(media)", "connect-src 'self'",
            "manifest-src 'self'", "base-uri 'none'", "form-action 'self'", "frame-ancestors 'none'",
            // The browser itself refuses strings in HTML sinks (innerHTML and the like) from any script.
            "require-trusted-types-for 'script'",
        ].joined(separator: "; ")
    }

    static func add(to headers: inout HTTPFields, mediaOrigins: [String] = []) {
        headers[.contentSecurityPolicy] = contentSecurityPolicy(mediaOrigins: mediaOrigins)
        headers[.xContentTypeOptions] = "nosniff"
        headers[Self.referrerPolicy] = "no-referrer"
        headers[Self.frameOptions] = "DENY"  // for browsers that predate frame-ancestors
        headers[Self.openerPolicy] = "same-origin"
    }

    // Not among swift-http-types' predefined names.
    static let referrerPolicy = HTTPField.Name("Referrer-Policy")!
    static let frameOptions = HTTPField.Name("X-Frame-Options")!
    static let openerPolicy = HTTPField.Name("Cross-Origin-Opener-Policy")!
}
