import Foundation

/// The `name=value` parameters after the first `;` of a header value, as in
/// `form-data; name="file"; filename="a;b.png"` or `multipart/form-data; boundary=x`. Quoted
/// values may hold `;` and backslash-escaped quotes and backslashes (curl writes them so). One
/// pass over the header; names are lowercased.
struct HeaderParameters {
    private(set) var pairs: [(name: String, value: String)] = []

    init(_ header: String) {
        let bytes = Array(header.utf8)
        let (semicolon, equals, quote, backslash) = (UInt8(ascii: ";"), UInt8(ascii: "="), UInt8(ascii: "\""), UInt8(ascii: "\\"))
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
        var index = bytes.firstIndex(of: semicolon) ?? bytes.count
        while index < bytes.count {
            index += 1  // past the `;`
            let nameStart = index
            while index < bytes.count, bytes[index] != equals, bytes[index] != semicolon { index += 1 }
            let name = String(decoding: bytes[nameStart..<index], as: UTF8.self).trimmingCharacters(in: .whitespaces).lowercased()
            guard index < bytes.count, bytes[index] == equals else { continue }
            index += 1
            while index < bytes.count, isSpace(bytes[index]) { index += 1 }
            var value: [UInt8] = []
            if index < bytes.count, bytes[index] == quote {
                index += 1
                while index < bytes.count, bytes[index] != quote {
                    if bytes[index] == backslash, index + 1 < bytes.count, bytes[index + 1] == quote || bytes[index + 1] == backslash {
                        index += 1
                    }
                    value.append(bytes[index])
                    index += 1
                }
                // Whatever follows the closing quote, up to the next `;`, is not part of the value.
                while index < bytes.count, bytes[index] != semicolon { index += 1 }
            } else {
                let start = index
                while index < bytes.count, bytes[index] != semicolon { index += 1 }
                var end = index
                while end > start, isSpace(bytes[end - 1]) { end -= 1 }
                value = Array(bytes[start..<end])
            }
            pairs.append((name, String(decoding: value, as: UTF8.self)))
        }
    }

    /// The first value of `name` (lowercase).
    func value(of name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// A form part's `name` or `filename` as a browser meant it: the HTML standard has browsers
    /// write `"`, CR and LF in them as `%22`, `%0D` and `%0A`, and leave every other `%` alone.
    func formValue(of name: String) -> String? {
        guard var value = value(of: name) else { return nil }
        for (escape, character) in [("%22", "\""), ("%0D", "\r"), ("%0A", "\n"), ("%0d", "\r"), ("%0a", "\n")] {
            value = value.replacingOccurrences(of: escape, with: character)
        }
        return value
    }
}
