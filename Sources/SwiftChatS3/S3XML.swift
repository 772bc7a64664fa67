import Foundation

/// Just enough XML for S3's answers: the text of a named element, and the escaping of text
/// that goes into a request body. S3's answers are flat and machine-made; a full parser would
/// add a dependency for no gain.
enum S3XML {
    /// The unescaped text of the first `<name>…</name>` in `document`, nil when there is none.
    static func firstText(of name: String, in document: String) -> String? {
        guard let open = document.range(of: "<\(name)>"),
              let close = document.range(of: "</\(name)>", range: open.upperBound..<document.endIndex)
        else { return nil }
        return unescape(String(document[open.upperBound..<close.lowerBound]))
    }

    /// Whether the document's root element is `name` (after any XML declaration).
    static func hasRoot(_ name: String, in document: String) -> Bool {
        var rest = Substring(document).drop(while: \.isWhitespace)
        if rest.hasPrefix("<?"), let end = rest.range(of: "?>") {
            rest = rest[end.upperBound...].drop(while: \.isWhitespace)
        }
        guard rest.hasPrefix("<\(name)") else { return false }
        let next = rest.dropFirst(name.count + 1).first
        return next == ">" || next == " " || next == "/" || next?.isNewline == true
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;")
            .replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    static func unescape(_ text: String) -> String {
        text.replacingOccurrences(of: "&quot;", with: "\"")
            .replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&lt;", with: "<")
            .replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&#34;", with: "\"")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
